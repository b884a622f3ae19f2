import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP hop between the app and Redis that can hold Redis's replies back, as a slow or
 * congested network would: commands go through at once (Redis runs them), their replies
 * wait until `open()`. With it a test can have a read that Redis has already answered
 * still on its way back while something else happens.
 */
export class ReplyGate {
  private held: Array<() => void> = [];
  private closed = false;
  private readonly sockets = new Set<Socket>();
  /** Reply bytes that arrived while closed. */
  heldBytes = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<ReplyGate> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
      gate.sockets.add(client).add(upstream);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk) => {
        if (!gate.closed) return void client.write(chunk);
        gate.heldBytes += chunk.length;
        gate.held.push(() => client.write(chunk));
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const gate = new ReplyGate(server, typeof address === 'object' && address ? address.port : 0);
    return gate;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Replies from now on are held. */
  close(): void {
    this.closed = true;
    this.heldBytes = 0;
  }

  /** Delivers the held replies, in order, and lets the next ones through. */
  open(): void {
    this.closed = false;
    const held = this.held;
    this.held = [];
    for (const deliver of held) deliver();
  }

  async stop(): Promise<void> {
    this.open();
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy in front of a Redis, to partition the processes connected through it: while
 * `partitioned`, nothing passes either way and no connection is closed, as when a network
 * drops packets; afterwards what was held back arrives late, in order, as TCP would deliver it.
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private held = false;
  /** Connections that sent a (S)SUBSCRIBE: pub/sub subscribers, which can be partitioned alone. */
  private readonly subscribers = new Set<Socket>();
  private subscribersHeld = false;
  /** What was sent during the partition, per destination, in order. */
  private readonly queued = new Map<Socket, Buffer[]>();

  private constructor(private readonly server: Server) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server);
    server.on('connection', (client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      proxy.pairs.add(pair);
      proxy.forward(client, upstream);
      proxy.forward(upstream, client);
      const end = () => {
        proxy.pairs.delete(pair);
        proxy.subscribers.delete(client);
        proxy.subscribers.delete(upstream);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    const address = this.server.address() as { port: number };
    return `redis://127.0.0.1:${address.port}`;
  }

  set partitioned(on: boolean) {
    this.held = on;
    this.release();
  }

  /**
   * Partitions only the pub/sub subscriber connections (those that sent SUBSCRIBE or
   * SSUBSCRIBE), in both directions: published messages stop reaching them while every
   * other connection, and so every command, still passes.
   */
  set subscribersPartitioned(on: boolean) {
    this.subscribersHeld = on;
    this.release();
  }

  /** Delivers, in order, what is no longer held back. */
  private release(): void {
    for (const [destination, chunks] of this.queued) {
      if (this.holds(destination)) continue;
      for (const chunk of chunks) destination.write(chunk);
      this.queued.delete(destination);
    }
  }

  private holds(socket: Socket): boolean {
    return this.held || (this.subscribersHeld && this.subscribers.has(socket));
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      // A client's commands reach the proxy before Redis answers them, so a subscriber is known before its first message.
      if (/subscribe/i.test(chunk.toString('latin1')) && !this.subscribers.has(from)) this.markSubscriber(from, to);
      if (!this.holds(to) && !this.queued.has(to)) return void to.write(chunk);
      const chunks = this.queued.get(to) ?? [];
      chunks.push(chunk);
      this.queued.set(to, chunks);
    });
  }

  private markSubscriber(a: Socket, b: Socket): void {
    this.subscribers.add(a);
    this.subscribers.add(b);
  }

  async stop(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}

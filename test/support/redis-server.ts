import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A redis-server this test run started on a free port, in a directory of its own. */
export class RedisServer {
  private process: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly extraArgs: string[],
  ) {}

  static async start(options: { cluster?: boolean; port?: number; args?: string[] } = {}): Promise<RedisServer> {
    const port = options.port ?? (await freePort(options.cluster));
    const dir = mkdtempSync(join(tmpdir(), `redis-${port}-`));
    const extra = options.cluster
      ? ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000']
      : [];
    const server = new RedisServer(port, dir, [...extra, ...(options.args ?? [])]);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /**
   * Starts it again on the same port, as after a crash: call `kill()` first. A second
   * redis-server on a taken port exits at once while the first keeps answering, and that first
   * one would then outlive `stop()` (and keep Jest from exiting), so this refuses.
   */
  async restart(): Promise<void> {
    if (this.running) throw new Error(`redis-server on port ${this.port} is still running: kill() it first`);
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      ...this.extraArgs,
    ];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.process = child;
    // Ready once the server answering on the port is this one.
    await waitFor(async () => {
      if (!this.running) throw new Error(`redis-server on port ${this.port} exited at start: is the port taken?`);
      return /process_id:(\d+)/.exec(await this.cli('INFO', 'server'))?.[1] === String(child.pid);
    }, `redis-server on port ${this.port}`);
  }

  private get running(): boolean {
    const child = this.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Kills it the way a crash or an OOM killer would, and waits until it is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (!child || !this.running) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Stops it (SIGSTOP) until `thaw`: its connections stay open, and nothing is answered meanwhile. */
  freeze(): void {
    this.process?.kill('SIGSTOP');
  }

  thaw(): void {
    this.process?.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs a redis-cli command against it; the reply as text, trimmed. */
  async cli(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(this.port), ...args]);
      return stdout.trim();
    } catch {
      return '';
    }
  }
}

/** A port that is free now (and, for a Cluster node, whose bus port +10000 is free too). */
export async function freePort(withBus = false): Promise<number> {
  for (;;) {
    const port = await listenOn(0);
    if (!withBus) return port;
    if (port + 10_000 < 65_536 && (await listenOn(port + 10_000).catch(() => 0))) return port;
  }
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

/** Polls `check` every 50ms until it holds, or fails after `ms` naming `what`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

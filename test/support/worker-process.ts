import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('../fixtures/redis-worker.ts', import.meta.url));

/** A real Node process running test/fixtures/redis-worker.ts (TypeScript through @swc-node/register). */
export class WorkerProcess {
  private next = 0;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
  }

  static start(env: Record<string, string>): Promise<WorkerProcess> {
    const child = fork(WORKER, [], {
      execArgv: ['--import', '@swc-node/register/esm-register', '--no-warnings'],
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      serialization: 'advanced',
    });
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(new WorkerProcess(child)));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
    });
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op, args });
    });
  }

  /** Lets the app shut down (closing its Redis connection), then waits for the exit. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ id: -1, op: 'exit', args: [] });
    await exited;
  }
}

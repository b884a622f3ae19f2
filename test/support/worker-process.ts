import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The worker apps in test/fixtures, each a script that answers `{ id, op, args }` messages. */
export type WorkerScript =
  'redis-worker.ts' | 'lock-worker.ts' | 'conformance-worker.ts' | 'coherence-worker.ts' | 'refresh-worker.ts';

/** A real Node process running one of test/fixtures' workers (TypeScript through @swc-node/register). */
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
    // A worker that dies (or is killed) answers nothing more: its open calls fail instead of hanging.
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`worker exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  static start(env: Record<string, string>, script: WorkerScript = 'redis-worker.ts'): Promise<WorkerProcess> {
    const child = fork(fileURLToPath(new URL(`../fixtures/${script}`, import.meta.url)), [], {
      execArgv: ['--import', '@swc-node/register/esm-register', '--no-warnings'],
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      serialization: 'advanced',
    });
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(new WorkerProcess(child)));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready`)));
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /**
   * Answers the worker's own requests, `{ request, args }`, with `{ reply, result }`: how a
   * worker reads a source of truth kept in the test process. Gives what stops answering.
   */
  answer(handler: (...args: never[]) => unknown): () => void {
    const listener = (message: { request?: number; args?: unknown[] }) => {
      if (message.request === undefined || this.exited) return;
      this.child.send({ reply: message.request, result: handler(...((message.args ?? []) as never[])) });
    };
    this.child.on('message', listener);
    return () => void this.child.off('message', listener);
  }

  call<T>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, op, args });
    });
  }

  /** Kills it the way a crash or an OOM killer would, and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Lets the app shut down (closing its Redis connection), then waits for the exit. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send({ id: -1, op: 'exit', args: [] });
    await exited;
  }
}

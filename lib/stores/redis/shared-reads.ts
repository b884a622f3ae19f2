import { withTimeout } from '../../utils/with-timeout.js';
import type { EntryScope } from '../memo-store.interface.js';

/** The reads of one key: the one in flight, and the next one, which callers may still join. */
interface KeyReads<T> {
  readonly key: string;
  inFlight?: Batch<T>;
  waiting?: Batch<T>;
  sendScheduled: boolean;
}

/** One read of a key and the callers that wait for it. */
class Batch<T> {
  readonly promise: Promise<T>;
  settled = false;
  /** Callers so far: the read goes once a pass of the microtask queue brought no new one. */
  callers = 1;
  private resolve!: (value: T) => void;
  private reject!: (error: unknown) => void;

  constructor(
    readonly reads: KeyReads<T> | undefined,
    readonly scope: EntryScope,
    timeoutMs: number,
    onTimeout: (batch: Batch<T>) => void,
  ) {
    const read = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Timed from the first caller's arrival, so no caller waits longer than `storeTimeout`;
    // withTimeout also lets a reply that came in while the event loop was blocked be read first.
    this.promise = withTimeout(read, timeoutMs);
    this.promise.catch(() => {
      if (this.settled) return;
      this.settled = true;
      onTimeout(this);
    });
  }

  /** Settles the batch unless it already was (timed out); says whether it did. */
  settle(error: unknown, value?: T): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (error !== undefined) this.reject(error);
    else this.resolve(value!);
    return true;
  }
}

/** Runs `task` after the microtasks queued so far, in this turn: a resolved Promise, which fake timers leave alone. */
const RESOLVED = Promise.resolve();
function afterQueuedMicrotasks(task: () => void): void {
  void RESOLVED.then(task);
}

/**
 * Concurrent reads of one key share one store read: a hot key read by 64 callers at once
 * costs one round trip, not 64.
 *
 * A caller only ever joins a read that has not been sent yet, so the read reaches the
 * store after the caller started. That keeps the invalidation guarantee across processes:
 * a call that starts after an invalidation resolved (anywhere) gets a read the store
 * answers after that invalidation, never one sent before it and still on its way back,
 * however long the turn it starts in. (Joining a read already in flight, as
 * async-cache-dedupe does, would break that, and no invalidation counter of this process
 * could tell: the invalidation may come from another.)
 *
 * So a key has at most one read in flight and one waiting. A waiting read goes out in the
 * turn its first caller starts in (or, with a read in flight, in the turn that read
 * answers in), once a pass of the microtask queue has brought it no new caller: calls
 * started together (`Promise.all`), or the callers a read served calling again, all join
 * it, and it leaves right after the last of them, without waiting for another event.
 */
export class SharedReads<T> {
  private readonly keys = new Map<string, KeyReads<T>>();
  private readonly onTimeout = (batch: Batch<T>) => this.timedOut(batch);
  private readonly onAloneTimeout = () => undefined;

  constructor(
    private readonly read: (key: string, scope: EntryScope) => Promise<T>,
    private readonly timeoutMs: number,
  ) {}

  /** What a read of `key` sent now would give, shared with the callers of the same key that join it. */
  get(key: string, scope: EntryScope): Promise<T> {
    let reads = this.keys.get(key);
    if (reads === undefined) {
      reads = { key, sendScheduled: false };
      this.keys.set(key, reads);
    }
    let batch = reads.waiting;
    if (batch !== undefined) batch.callers++;
    else {
      batch = reads.waiting = new Batch<T>(reads, scope, this.timeoutMs, this.onTimeout);
      // With a read in flight, this one goes when it has answered (see `finished`).
      if (reads.inFlight === undefined) this.sendWhenQuiet(reads);
    }
    // Two methods may share a prefix, and so a key, with different marks to check: they read apart.
    return batch.scope === scope ? batch.promise : this.alone(key, scope);
  }

  /** Keys with a read in flight or waiting (for the tests of the bookkeeping). */
  get pending(): number {
    return this.keys.size;
  }

  /** Sends the waiting read once a pass of the microtask queue brings it no new caller. */
  private sendWhenQuiet(reads: KeyReads<T>): void {
    if (reads.sendScheduled) return;
    reads.sendScheduled = true;
    let seen = -1;
    const check = (): void => {
      const batch = reads.waiting;
      if (batch !== undefined && !batch.settled && batch.callers !== seen) {
        seen = batch.callers;
        afterQueuedMicrotasks(check);
        return;
      }
      reads.sendScheduled = false;
      this.launch(reads);
    };
    afterQueuedMicrotasks(check);
  }

  private launch(reads: KeyReads<T>): void {
    const batch = reads.waiting;
    reads.waiting = undefined;
    if (batch === undefined || batch.settled) return this.tidy(reads);
    reads.inFlight = batch;
    this.send(batch).then(
      (value) => {
        batch.settle(undefined, value);
        this.finished(batch);
      },
      (error: unknown) => {
        batch.settle(error ?? new Error('store read failed'));
        this.finished(batch);
      },
    );
  }

  /** A read answered or timed out: the next one goes once the callers it served have called again. */
  private finished(batch: Batch<T>): void {
    const reads = batch.reads!;
    if (reads.inFlight !== batch) return;
    reads.inFlight = undefined;
    if (reads.waiting === undefined) return this.tidy(reads);
    this.sendWhenQuiet(reads);
  }

  /** Its callers have had their StoreTimeoutError: the key moves on without waiting for the read. */
  private timedOut(batch: Batch<T>): void {
    const reads = batch.reads!;
    if (reads.waiting === batch) reads.waiting = undefined;
    if (reads.inFlight === batch) this.finished(batch);
    else this.tidy(reads);
  }

  private tidy(reads: KeyReads<T>): void {
    if (reads.inFlight || reads.waiting || reads.sendScheduled || this.keys.get(reads.key) !== reads) return;
    this.keys.delete(reads.key);
  }

  private alone(key: string, scope: EntryScope): Promise<T> {
    const batch = new Batch<T>(undefined, scope, this.timeoutMs, this.onAloneTimeout);
    this.send(batch, key).then(
      (value) => batch.settle(undefined, value),
      (error: unknown) => batch.settle(error ?? new Error('store read failed')),
    );
    return batch.promise;
  }

  private send(batch: Batch<T>, key = batch.reads!.key): Promise<T> {
    try {
      return this.read(key, batch.scope);
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

import { setImmediate } from 'node:timers';
import { withTimeout } from '../../utils/with-timeout.js';
import type { EntryScope } from '../memo-store.interface.js';

/** The reads of one key: the one in flight, and the next one, which callers may still join. */
interface KeyReads<T> {
  readonly key: string;
  inFlight?: Batch<T>;
  waiting?: Batch<T>;
  launchScheduled: boolean;
}

/** One read of a key and the callers that wait for it. */
class Batch<T> {
  readonly promise: Promise<T>;
  settled = false;
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

/**
 * Concurrent reads of one key share one store read: a hot key read by 64 callers at once
 * costs one round trip, not 64.
 *
 * A caller only ever joins a read that has not been sent yet, so the read reaches the
 * store after the caller started. That keeps the invalidation guarantee across processes:
 * a call that starts after an invalidation resolved (anywhere) gets a read the store
 * answers after that invalidation, never one sent before it and still on its way back.
 * (Joining a read already in flight, as async-cache-dedupe does, would break that, and no
 * invalidation counter of this process could tell: the invalidation may come from another.)
 * So a key has at most one read in flight and one waiting: callers arriving while a read is
 * in flight wait for the next one, sent once the first has answered and the callers it
 * served have had their turn to call again (they join it too, so a steady stream of callers
 * on one key costs about one read per round trip). The first read of an idle key is sent at
 * the end of the current microtask queue, so calls started together (`Promise.all`) share it.
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
      reads = { key, launchScheduled: false };
      this.keys.set(key, reads);
    }
    const batch = reads.waiting ?? this.wait(reads, scope);
    // Two methods may share a prefix, and so a key, with different marks to check: they read apart.
    return batch.scope === scope ? batch.promise : this.alone(key, scope);
  }

  /** Keys with a read in flight or waiting (for the tests of the bookkeeping). */
  get pending(): number {
    return this.keys.size;
  }

  private wait(reads: KeyReads<T>, scope: EntryScope): Batch<T> {
    const batch = (reads.waiting = new Batch<T>(reads, scope, this.timeoutMs, this.onTimeout));
    // With a read in flight, this one goes when it has answered (see `finished`).
    if (reads.inFlight === undefined && !reads.launchScheduled) {
      reads.launchScheduled = true;
      queueMicrotask(() => this.launch(reads));
    }
    return batch;
  }

  private launch(reads: KeyReads<T>): void {
    reads.launchScheduled = false;
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

  /** A read answered or timed out: the next one goes once the callers it served have had their turn. */
  private finished(batch: Batch<T>): void {
    const reads = batch.reads!;
    if (reads.inFlight !== batch) return;
    reads.inFlight = undefined;
    if (reads.waiting === undefined || reads.launchScheduled) return this.tidy(reads);
    reads.launchScheduled = true;
    setImmediate(() => this.launch(reads));
  }

  /** Its callers have had their StoreTimeoutError: the key moves on without waiting for the read. */
  private timedOut(batch: Batch<T>): void {
    const reads = batch.reads!;
    if (reads.waiting === batch) reads.waiting = undefined;
    if (reads.inFlight === batch) this.finished(batch);
    else this.tidy(reads);
  }

  private tidy(reads: KeyReads<T>): void {
    if (reads.inFlight || reads.waiting || reads.launchScheduled || this.keys.get(reads.key) !== reads) return;
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

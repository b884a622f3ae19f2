import { withTimeout } from '../../utils/with-timeout.js';
import type { EntryScope } from '../memo-store.interface.js';

/** The reads of one key: the one in flight, and the one callers may still join. */
interface KeyReads<T> {
  readonly key: string;
  inFlight?: Batch<T>;
  /** Not sent yet (waiting for `inFlight`), or sent in the current turn of the event loop. */
  open?: Batch<T>;
}

/** One read of a key and the callers that wait for it. */
class Batch<T> {
  readonly promise: Promise<T>;
  settled = false;
  sent = false;
  /** Callers so far: the turn's end is found by a microtask that sees no new one (see SharedReads.closeWhenTurnEnds). */
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

/**
 * Concurrent reads of one key share one store read: a hot key read by 64 callers at once
 * costs one round trip, not 64.
 *
 * A caller joins a read only if it has not been sent yet, or was sent in the current turn
 * of the event loop. Either way nothing this process learns can have reached it after the
 * read left: what comes from outside (a request, a reply, a bus message) arrives between
 * turns, never inside one. That keeps the invalidation guarantee across processes: a call
 * that starts after an invalidation resolved (anywhere) learnt of it, at the earliest, at
 * the start of its own turn, so its read reaches the store after that invalidation took
 * effect. (Joining any read in flight, as async-cache-dedupe does, would break that, and no
 * invalidation counter of this process could tell: the invalidation may come from another.)
 * The one way around it is synchronous I/O inside a turn (a file read with readFileSync
 * that another process wrote after invalidating): such a caller may share a read sent
 * before it.
 *
 * So a key has at most one read in flight and one open. The first caller of an idle key
 * sends its read at once, and the callers of the same turn join it while the store answers
 * (`Promise.all`, or the 64 callers a previous read served, calling again). Callers of
 * later turns, while it is in flight, share the next read, sent as soon as it answers.
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
      reads = { key };
      this.keys.set(key, reads);
    }
    const open = reads.open;
    let batch: Batch<T>;
    if (open !== undefined) {
      open.callers++;
      batch = open;
    } else {
      batch = reads.open = new Batch<T>(reads, scope, this.timeoutMs, this.onTimeout);
      // With a read in flight, this one goes when it has answered (see `finished`).
      if (reads.inFlight === undefined) this.launch(reads, batch);
    }
    // Two methods may share a prefix, and so a key, with different marks to check: they read apart.
    return batch.scope === scope ? batch.promise : this.alone(key, scope);
  }

  /** Keys with a read in flight or open (for the tests of the bookkeeping). */
  get pending(): number {
    return this.keys.size;
  }

  /** Sends `batch`, which stays open to the callers of this turn. */
  private launch(reads: KeyReads<T>, batch: Batch<T>): void {
    batch.sent = true;
    reads.inFlight = batch;
    this.closeWhenTurnEnds(batch);
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

  /**
   * Node runs every microtask of a turn before it takes the next event, so a microtask queued
   * now runs in this turn. It closes the batch once a pass of the queue brought it no caller:
   * callers that resume together (a read's answer) join it, however deep their call stacks.
   */
  private closeWhenTurnEnds(batch: Batch<T>): void {
    let seen = batch.callers;
    const close = (): void => {
      const reads = batch.reads!;
      if (reads.open !== batch) return;
      if (batch.callers !== seen) {
        seen = batch.callers;
        queueMicrotask(close);
        return;
      }
      reads.open = undefined;
      this.tidy(reads);
    };
    queueMicrotask(close);
  }

  /** A read answered or timed out: the next one, if callers wait for it, goes now. */
  private finished(batch: Batch<T>): void {
    const reads = batch.reads!;
    if (reads.inFlight !== batch) return;
    reads.inFlight = undefined;
    const next = reads.open;
    if (next !== undefined && !next.sent && !next.settled) this.launch(reads, next);
    else this.tidy(reads);
  }

  /** Its callers have had their StoreTimeoutError: the key moves on without waiting for the read. */
  private timedOut(batch: Batch<T>): void {
    const reads = batch.reads!;
    if (reads.open === batch) reads.open = undefined;
    if (reads.inFlight === batch) this.finished(batch);
    else this.tidy(reads);
  }

  private tidy(reads: KeyReads<T>): void {
    if (reads.inFlight || reads.open || this.keys.get(reads.key) !== reads) return;
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

import { Messages } from '../../cache-memoize.messages.js';
import type { DistributedLocks } from '../distributed-locks.interface.js';
import type { EntryScope, MemoStore, StoredEntry } from '../memo-store.interface.js';
import type { RedisMemoStore } from '../redis/redis.store.js';
import type { InvalidationBus } from './invalidation-bus.js';
import type { LocalTier } from './local-tier.js';

/**
 * A Redis alias with a local tier in front (`local` in its definition). A hit on a local
 * copy is answered synchronously, like a memory alias's, while this process holds its
 * lease; a local miss reads Redis and keeps what it found, unless an invalidation arrived
 * while it read. Writes go to Redis first, then here; invalidations go to Redis, then here,
 * then over the bus to every other process, and resolve once none of them can serve what
 * they replaced.
 */
export class TwoTierMemoStore implements MemoStore {
  readonly alias: string;
  readonly locks: DistributedLocks | undefined;
  /** Each shared Redis read, as the local tier keeps it (see get). */
  private readonly reads = new WeakMap<Promise<StoredEntry | undefined>, Promise<StoredEntry | undefined>>();

  constructor(
    private readonly remote: RedisMemoStore,
    private readonly local: LocalTier,
    private readonly bus: InvalidationBus,
  ) {
    this.alias = remote.alias;
    this.locks = remote.locks;
    bus.start();
  }

  get(key: string, scope: EntryScope, now = Date.now()): StoredEntry | undefined | Promise<StoredEntry | undefined> {
    if (this.leasedAt(now)) {
      const entry = this.local.get(key, scope, now);
      if (entry !== undefined) return entry;
    }
    // Callers of one shared Redis read share what it gives, kept once: one store call (see timed-store.ts).
    const read = this.remote.get(key, scope);
    let kept = this.reads.get(read);
    if (kept === undefined) {
      const generation = this.local.generation;
      kept = read.then((entry) => {
        if (entry !== undefined && generation === this.local.generation && this.leased())
          this.local.keep(key, entry, scope);
        return entry;
      });
      this.reads.set(read, kept);
    }
    return kept;
  }

  stamp(exact?: boolean): number | Promise<number> {
    return this.remote.stamp(exact);
  }

  /** `replaces`: a refresh, which resolves only once no process can serve the value it replaced. */
  async set(key: string, entry: StoredEntry, scope: EntryScope, replaces = false): Promise<boolean> {
    const generation = this.local.generation;
    const written = await this.remote.set(key, entry, scope, replaces);
    this.local.replaced(key, entry.created);
    if (written && generation === this.local.generation && this.leased()) this.local.keep(key, entry, scope);
    if (replaces) await this.bus.invalidate({ key, created: entry.created });
    else if (written) this.bus.announce(key, entry.created);
    return written;
  }

  /** The local copy goes even when Redis fails to answer: the tombstone may be there all the same. */
  async delete(key: string): Promise<void> {
    try {
      await this.remote.delete(key);
    } finally {
      this.local.drop(key);
    }
    await this.bus.invalidate({ key });
  }

  /**
   * The marks are set in Redis and published by one script (see RedisMemoStore.mark). When
   * its answer is lost, Redis (and every process that heard the message) may have them all
   * the same: this process then drops every local copy rather than outlive them.
   */
  async invalidate(marks: readonly string[]): Promise<void> {
    try {
      await this.bus.invalidateMarks(marks, (announce) => this.remote.mark(marks, announce));
    } catch (error) {
      this.local.clear();
      throw error;
    }
  }

  /** A refresh took another process's newer entry: older copies go here and, as for a refresh's own store, everywhere. */
  async adopted(key: string, created: number): Promise<void> {
    this.local.replaced(key, created);
    await this.bus.invalidate({ key, created });
  }

  /** While leased, the invalidations heard so far; NaN otherwise, so nothing begun then is joined. */
  joinEpoch(): number {
    return this.leased() ? this.local.heard : Number.NaN;
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.remote.close();
  }

  /** Whether this process hears invalidations now (its lease holds): for a health check. */
  get hearing(): boolean {
    return this.bus.leased();
  }

  /** Redis answers a PING in time, and this process still hears invalidations (its lease holds). */
  async ping(): Promise<void> {
    await this.remote.ping();
    if (!this.hearing) throw new Error(Messages.notHearingInvalidations(this.alias));
  }

  /** Whether local copies may be kept: a protected seam, so a test can plant the bug of ignoring the lease. */
  protected leased(): boolean {
    return this.bus.leased();
  }

  /** Whether a local copy may be served, at the caller's `Date.now()`: the same seam, for hits. */
  protected leasedAt(now: number): boolean {
    return this.bus.leasedAt(now);
  }
}

import { TOMBSTONE_LIFE_MS } from '../../cache-memoize.constants.js';
import { Messages } from '../../cache-memoize.messages.js';
import type { RateLimitedLogger } from '../../utils/rate-limited-logger.js';
import { withTimeout } from '../../utils/with-timeout.js';
import { tagMark, voids as markVoids } from '../marks.js';
import { type EntryScope, latestStamp, type MemoStore, type StoredEntry } from '../memo-store.interface.js';
import type { DistributedLocks } from '../distributed-locks.interface.js';
import { assertConnected, type RedisConnection } from './redis-client.factory.js';
import { RedisClock } from './redis-clock.js';
import { redisEntry } from './redis-entry.js';
import { defineScripts, type ScriptedRedis } from './redis-scripts.js';
import { SharedReads } from './shared-reads.js';

/** A message published by the script that sets marks: `before`, the stamp, then `after`, on a channel in the marks' slot. */
export interface MarksAnnouncement {
  command: 'PUBLISH' | 'SPUBLISH';
  channel: string;
  before: string;
  after: string;
}

/**
 * A Redis (or Cluster) alias as the memoizer reads it, straight through ioredis (see
 * redis-entry.ts for the layout). Marks live together under one hash tag
 * (`{namespace:__marks}`), so on a Cluster they share a slot and are read with one MGET,
 * and every exact stamp (marks, tombstones, a refresh's start) is issued by Lua on that
 * node (see redis-scripts.ts); a miss's stamp is this process's lower bound of that clock,
 * which can only make a result look older than it is. Marks expire with the last entry
 * they could void: each write keeps the marks it depends on at least as long as itself. On a single Redis a hit is one command: an
 * MGET of the entry and its marks, or for tagged entries one script that also reads the
 * tags' marks. On a Cluster the entry and its marks are read in parallel and a tagged
 * entry's tag marks after, with no cross-slot command.
 */
export class RedisMemoStore implements MemoStore {
  private readonly scripts: ScriptedRedis;
  private readonly clock: RedisClock;
  /** Where the alias's marks live (one hash slot); a two-tier alias's bus channel is named from it, so it shares their node. */
  readonly markBase: string;
  private readonly tagBase: string;
  /** The alias's Lua clock and the stamp of its last delete, beside the marks. */
  private readonly clockKey: string;
  private readonly deletedKey: string;
  private readonly scopeKeys = new WeakMap<EntryScope, string[]>();
  /** Scopes whose entries carry tags: on a single Redis they are read with one script. */
  private readonly tagged = new WeakSet<EntryScope>();
  /** Concurrent reads of one key share one round trip (see shared-reads.ts). */
  private readonly reads: SharedReads<StoredEntry | undefined>;
  private readonly startClock = () => this.clock.start();
  /** An issued stamp, read back: the clock learns from it (see RedisClock.observe). */
  private readonly observe = (stamp: string): number => {
    const micros = Number(stamp);
    this.clock.observe(micros);
    return micros;
  };
  private readonly onError = (error: unknown) =>
    this.log.error(`redis:${this.alias}`, Messages.redisConnectionError(this.alias), error);

  constructor(
    readonly alias: string,
    private readonly connection: RedisConnection,
    namespace: string | undefined,
    private readonly timeoutMs: number,
    private readonly log: RateLimitedLogger,
    /** For `lock: 'distributed'`, on the same client. */
    readonly locks?: DistributedLocks,
  ) {
    const { client } = connection;
    // One hash slot for every mark of the namespace; the alias keeps two aliases' marks apart.
    this.markBase = `{${namespace ? `${namespace}:` : ''}__marks}:${alias}:`;
    this.tagBase = this.markBase + tagMark('');
    this.clockKey = `${this.markBase}clock`;
    this.deletedKey = `${this.markBase}deleted`;
    this.scripts = defineScripts(client);
    this.reads = new SharedReads((key, scope) => this.read(key, scope), timeoutMs);
    this.clock = new RedisClock(() => this.scripts.cacheMemoizeTime(this.clockKey));
    client.on('ready', this.startClock);
    client.on('error', this.onError);
    if (client.status === 'ready') this.clock.start();
  }

  get(key: string, scope: EntryScope): Promise<StoredEntry | undefined> {
    this.assertConnected();
    return this.reads.get(key, scope);
  }

  stamp(exact = false): number | Promise<number> {
    if (exact)
      return this.call((scripts) => scripts.cacheMemoizeIssue(this.clockKey, this.deletedKey)).then(this.observe);
    if (this.clock.synced) return this.clock.now();
    this.assertConnected();
    return withTimeout(this.clock.firstSample(), this.timeoutMs).then(() => this.clock.now());
  }

  /**
   * Through one script with the marks on a single Redis; on a Cluster, the marks' half first.
   * An entry already expired has nothing to write, but for a refresh (`replaces`) the key is
   * dropped: the value the refresh replaced must not stay.
   */
  async set(key: string, entry: StoredEntry, scope: EntryScope, replaces = false): Promise<boolean> {
    const life = Math.ceil(entry.staleUntil - Date.now());
    if (life <= 0) {
      if (replaces) await this.delete(key);
      // Not checked against any mark or tombstone: callers that joined its execution read again.
      return false;
    }
    const marks = this.keysOf(scope);
    const keys = entry.tags?.length ? [...marks, ...entry.tags.map((tag) => this.tagBase + tag)] : marks;
    const isCluster = this.connection.client.isCluster;
    const encoded = redisEntry.encode(entry, isCluster);
    if (!isCluster) {
      const head = [key, this.clockKey, this.deletedKey, ...keys];
      const created = String(entry.created);
      return (await this.call((r) => r.cacheMemoizeStore(head.length, ...head, created, encoded, life))) === 1;
    }
    return this.storeAcrossSlots(key, entry.created, encoded, life, [this.clockKey, this.deletedKey, ...keys]);
  }

  /**
   * On a Cluster the entry and the marks live on different nodes, and no script spans both.
   * A store therefore writes the entry as pending (a miss to readers), then checks the marks
   * and the last delete, then makes the entry readable only if it is still the pending one.
   * A delete at any point of that replaces it with a tombstone, so even if memory pressure
   * evicts the tombstone before the last step, nothing is stored (checking first and writing
   * after, as this once did, let such a result in).
   */
  private async storeAcrossSlots(
    key: string,
    created: number,
    pending: Buffer,
    life: number,
    allow: string[],
  ): Promise<boolean> {
    const stamp = String(created);
    const header = redisEntry.pendingHeader(stamp);
    const placed = await this.call((r) => r.cacheMemoizeWritePending(key, stamp, pending, life));
    if (placed === 0) return false;
    let deleted: string;
    try {
      deleted = await this.call((r) => r.cacheMemoizeAllow(allow.length, ...allow, stamp, life));
    } catch (error) {
      this.dropPending(key, header);
      throw error;
    }
    // A key that held no entry of ours may have lost a tombstone: the last delete must predate the computation.
    if (deleted === '' || (placed === 2 && !(Number(deleted) < created))) {
      this.dropPending(key, header);
      return false;
    }
    return (await this.call((r) => r.cacheMemoizeCommit(key, header))) === 1;
  }

  /** A refused store's pending entry goes (it would read as a miss until it expired anyway). */
  private dropPending(key: string, header: string): void {
    this.call((r) => r.cacheMemoizeDropPending(key, header)).catch(() => undefined);
  }

  /** A tombstone for a while, stamped by the marks' clock: a computation that started before cannot store its result. */
  async delete(key: string): Promise<void> {
    if (!this.connection.client.isCluster) {
      this.observe(
        await this.call((r) => r.cacheMemoizeDelete(key, this.clockKey, this.deletedKey, TOMBSTONE_LIFE_MS)),
      );
      return;
    }
    const stamp = await this.call((r) => r.cacheMemoizeIssueDelete(this.clockKey, this.deletedKey));
    this.observe(stamp);
    const tombstone = redisEntry.tombstone(stamp);
    await this.call(() => this.connection.client.set(key, tombstone, 'PX', TOMBSTONE_LIFE_MS));
  }

  /** One script on the marks' node, so every process sees the marks before this resolves. */
  async invalidate(marks: readonly string[]): Promise<void> {
    await this.mark(marks);
  }

  /**
   * Like invalidate, resolving to the marks' stamp. A two-tier alias has the same script
   * publish its bus message, whose text holds the stamp, once the marks are set: the other
   * processes hear of them one round trip sooner.
   */
  async mark(marks: readonly string[], announce?: MarksAnnouncement): Promise<number> {
    const keys = [this.clockKey, ...marks.map((mark) => this.markBase + mark)];
    const args = announce ? [announce.command, announce.channel, announce.before, announce.after] : [];
    const stamp = await this.call((r) => r.cacheMemoizeMark(keys.length, ...keys, ...args));
    this.observe(stamp);
    return Number(stamp);
  }

  /** A PING within the store timeout, failing at once while the connection is down. */
  async ping(): Promise<void> {
    this.assertConnected();
    await withTimeout(this.connection.client.ping(), this.timeoutMs);
  }

  /** Closes the client if the alias opened it; a client handed in is left to its owner. */
  async close(): Promise<void> {
    const { client, owned } = this.connection;
    this.clock.stop();
    client.off('ready', this.startClock);
    if (!owned) {
      client.off('error', this.onError);
      return;
    }
    if (client.status === 'ready') await withTimeout(client.quit(), this.timeoutMs).catch(() => undefined);
    client.disconnect();
  }

  private async read(key: string, scope: EntryScope): Promise<StoredEntry | undefined> {
    this.assertConnected();
    // The first reads of a client leave before the clock's first sample (it connects on first
    // use, and samples once ready): they wait for one, so decode never judges a stamp by this
    // host's wall clock (a host or a fake `Date` hours behind would refuse every entry, hours
    // ahead accept a forged one). One round trip, once per connection.
    if (!this.clock.synced) await this.clock.firstSample();
    const markKeys = this.keysOf(scope);
    let found: StoredEntry | undefined;
    if (this.connection.client.isCluster) found = await this.readAcrossSlots(key, markKeys);
    else if (this.tagged.has(scope))
      found = this.decode(
        await this.scripts.cacheMemoizeReadBuffer(markKeys.length + 1, key, ...markKeys, this.tagBase),
      );
    else found = await this.readAtOnce(key, markKeys, scope);
    return found !== undefined && found.staleUntil > Date.now() ? found : undefined;
  }

  /** Entry and marks in one MGET, as fast as a GET; a method found to tag its entries reads through the script from then on. */
  private async readAtOnce(key: string, markKeys: string[], scope: EntryScope): Promise<StoredEntry | undefined> {
    const [payload, ...stamps] = await this.connection.client.mgetBuffer(key, ...markKeys);
    const found = this.decode(payload);
    if (found === undefined || voids(stamps, found.created)) return undefined;
    if (!found.tags?.length) return found;
    this.tagged.add(scope);
    return this.checkTags(found);
  }

  /** The entry and its marks live in different slots: read in parallel, and the tags' marks after. */
  private async readAcrossSlots(key: string, markKeys: string[]): Promise<StoredEntry | undefined> {
    const { client } = this.connection;
    const [payload, stamps] = await Promise.all([client.getBuffer(key), client.mget(markKeys)]);
    const found = this.decode(payload);
    if (found === undefined || voids(stamps, found.created)) return undefined;
    return found.tags?.length ? this.checkTags(found) : found;
  }

  private async checkTags(found: StoredEntry): Promise<StoredEntry | undefined> {
    const stamps = await this.connection.client.mget(found.tags!.map((tag) => this.tagBase + tag));
    return voids(stamps, found.created) ? undefined : found;
  }

  /**
   * An entry no codec of this version can read is a miss: it is recomputed and replaced. So
   * is one stamped far ahead of the marks' clock (read waits for it to be synced; this host's
   * wall clock only if a reconnection reset it meanwhile): it could not be voided. Never this
   * host's wall clock against Redis's once synced: a host set back (or a test's fake `Date`)
   * would refuse every entry.
   */
  private decode(payload: Buffer | null): StoredEntry | undefined {
    const present = this.clock.synced ? this.clock.now() : Date.now() * 1_000;
    try {
      return redisEntry.decode(payload, latestStamp(present));
    } catch (error) {
      this.log.error(`redis:${this.alias}:decode`, Messages.unreadableEntry(this.alias), error);
      return undefined;
    }
  }

  private keysOf(scope: EntryScope): string[] {
    let keys = this.scopeKeys.get(scope);
    if (keys === undefined) this.scopeKeys.set(scope, (keys = scope.marks.map((mark) => this.markBase + mark)));
    return keys;
  }

  private assertConnected(): void {
    assertConnected(this.connection.client);
  }

  /** A command that fails at once while the connection is down, and within storeTimeout otherwise. */
  private async call<T>(command: (scripts: ScriptedRedis) => Promise<T>): Promise<T> {
    this.assertConnected();
    return withTimeout(command(this.scripts), this.timeoutMs);
  }
}

/** A missing or unreadable mark voids too: it may have been evicted (see redis-scripts.ts). */
function voids(stamps: Array<string | Buffer | null>, created: number): boolean {
  for (const stamp of stamps) {
    if (stamp === null) return true;
    const mark = Number(String(stamp));
    if (Number.isNaN(mark) || markVoids(mark, created)) return true;
  }
  return false;
}

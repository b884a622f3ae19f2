import { TOMBSTONE_LIFE_MS } from '../../cache-memoize.constants.js';
import { Messages } from '../../cache-memoize.messages.js';
import type { RateLimitedLogger } from '../../utils/rate-limited-logger.js';
import { withTimeout } from '../../utils/with-timeout.js';
import { tagMark } from '../marks.js';
import type { EntryScope, MemoStore, StoredEntry } from '../memo-store.interface.js';
import type { DistributedLocks } from '../distributed-locks.interface.js';
import { storeAcrossSlots } from './cluster-store.js';
import { assertConnected, type RedisConnection } from './redis-client.factory.js';
import { RedisClock } from './redis-clock.js';
import { redisEntry } from './redis-entry.js';
import { RedisReads } from './redis-reads.js';
import { defineScripts, type MarksAnnouncement, type ScriptedRedis } from './redis-scripts.js';
import { SharedReads } from './shared-reads.js';

/**
 * A Redis (or Cluster) alias as the memoizer reads it, straight through ioredis (see
 * redis-entry.ts for the layout). Marks live together under one hash tag
 * (`{namespace:__marks}`), so on a Cluster they share a slot and are read with one MGET,
 * and every exact stamp (marks, tombstones, a refresh's start) is issued by Lua on that
 * node (see lua/library.ts); a miss's stamp is this process's lower bound of that clock,
 * which can only make a result look older than it is. Marks expire with the last entry
 * they could void: each write keeps the marks it depends on at least as long as itself.
 * What a hit reads is in redis-reads.ts; a Cluster's store, in three steps, in cluster-store.ts.
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
  /** The read path of a hit (see redis-reads.ts); its scope keys serve the writes too. */
  private readonly reader: RedisReads;
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
    this.clock = new RedisClock(() => this.scripts.cacheMemoizeTime(this.clockKey));
    const reader = (this.reader = new RedisReads(
      alias,
      connection,
      this.scripts,
      this.clock,
      this.markBase,
      this.tagBase,
      log,
    ));
    this.reads = new SharedReads((key, scope) => reader.read(key, scope), timeoutMs);
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
    const marks = this.reader.keysOf(scope);
    const keys = entry.tags?.length ? [...marks, ...entry.tags.map((tag) => this.tagBase + tag)] : marks;
    const isCluster = this.connection.client.isCluster;
    const encoded = redisEntry.encode(entry, isCluster);
    if (!isCluster) {
      const head = [key, this.clockKey, this.deletedKey, ...keys];
      const created = String(entry.created);
      return (await this.call((r) => r.cacheMemoizeStore(head.length, ...head, created, encoded, life))) === 1;
    }
    return storeAcrossSlots(this, key, entry.created, encoded, life, [this.clockKey, this.deletedKey, ...keys]);
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

  private assertConnected(): void {
    assertConnected(this.connection.client);
  }

  /** A command that fails at once while the connection is down, and within storeTimeout otherwise (the Cluster's store steps run through it too). */
  async call<T>(command: (scripts: ScriptedRedis) => Promise<T>): Promise<T> {
    this.assertConnected();
    return withTimeout(command(this.scripts), this.timeoutMs);
  }
}

import { MIN_MARK_LIFE_MS, TOMBSTONE_LIFE_MS } from '../../cache-memoize.constants.js';
import { Messages } from '../../cache-memoize.messages.js';
import type { RateLimitedLogger } from '../../utils/rate-limited-logger.js';
import { withTimeout } from '../../utils/with-timeout.js';
import { type EntryScope, type MemoStore, type StoredEntry, tagMark } from '../memo-store.interface.js';
import type { DistributedLocks } from '../distributed-locks.interface.js';
import { assertConnected, type RedisConnection } from './redis-client.factory.js';
import { RedisClock } from './redis-clock.js';
import { redisEntry } from './redis-entry.js';
import { defineScripts, type ScriptedRedis } from './redis-scripts.js';

/**
 * A Redis (or Cluster) alias as the memoizer reads it, straight through ioredis (see
 * redis-entry.ts for the layout). Marks live together under one hash tag
 * (`{namespace:__marks}`), so on a Cluster they share a slot and are read with one MGET,
 * and they are stamped with that node's clock. On a single Redis a hit is one command: an
 * MGET of the entry and its marks, or for tagged entries one script that also reads the
 * tags' marks. On a Cluster the entry and its marks are read in parallel and a tagged
 * entry's tag marks after, with no cross-slot command.
 */
export class RedisMemoStore implements MemoStore {
  private readonly scripts: ScriptedRedis;
  private readonly clock: RedisClock;
  private readonly markBase: string;
  private readonly tagBase: string;
  private readonly scopeKeys = new WeakMap<EntryScope, string[]>();
  /** Scopes whose entries carry tags: on a single Redis they are read with one script. */
  private readonly tagged = new WeakSet<EntryScope>();
  private longestLife = 0;
  private readonly startClock = () => this.clock.start();
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
    this.scripts = defineScripts(client);
    this.clock = new RedisClock(() => this.scripts.cacheMemoizeTime(`${this.markBase}clock`));
    client.on('ready', this.startClock);
    client.on('error', this.onError);
    if (client.status === 'ready') this.clock.start();
  }

  get(key: string, scope: EntryScope): Promise<StoredEntry | undefined> {
    this.assertConnected();
    return withTimeout(this.read(key, scope), this.timeoutMs);
  }

  stamp(): number | Promise<number> {
    if (this.clock.synced) return this.clock.now();
    this.assertConnected();
    return withTimeout(this.clock.sample(), this.timeoutMs).then(() => this.clock.now());
  }

  async set(key: string, entry: StoredEntry): Promise<void> {
    const life = Math.ceil(entry.staleUntil - Date.now());
    if (life <= 0) return;
    const encoded = redisEntry.encode(entry);
    if (life > this.longestLife) this.longestLife = life;
    this.assertConnected();
    await withTimeout(this.scripts.cacheMemoizeWrite(key, String(entry.created), encoded, life), this.timeoutMs);
  }

  /** A tombstone for a while, stamped now: a computation that started before cannot store its result. */
  async delete(key: string): Promise<void> {
    const created = await this.stamp();
    this.assertConnected();
    const tombstone = redisEntry.tombstone(created);
    await withTimeout(
      this.scripts.cacheMemoizeWrite(key, String(created), tombstone, TOMBSTONE_LIFE_MS),
      this.timeoutMs,
    );
  }

  /** One script on the marks' node, so every process sees the marks before this resolves. */
  async invalidate(marks: readonly string[]): Promise<void> {
    this.assertConnected();
    const life = Math.max(MIN_MARK_LIFE_MS, this.longestLife);
    const keys = marks.map((mark) => this.markBase + mark);
    await withTimeout(this.scripts.cacheMemoizeMark(keys.length, ...keys, life), this.timeoutMs);
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
    const markKeys = this.keysOf(scope);
    let entry: StoredEntry | undefined;
    if (this.connection.client.isCluster) entry = await this.readAcrossSlots(key, markKeys);
    else if (this.tagged.has(scope))
      entry = this.decode(
        await this.scripts.cacheMemoizeReadBuffer(markKeys.length + 1, key, ...markKeys, this.tagBase),
      );
    else entry = await this.readAtOnce(key, markKeys, scope);
    return entry !== undefined && entry.staleUntil > Date.now() ? entry : undefined;
  }

  /** Entry and marks in one MGET, as fast as a GET; a method found to tag its entries reads through the script from then on. */
  private async readAtOnce(key: string, markKeys: string[], scope: EntryScope): Promise<StoredEntry | undefined> {
    const [payload, ...stamps] = await this.connection.client.mgetBuffer(key, ...markKeys);
    const entry = this.decode(payload);
    if (entry === undefined || voids(stamps, entry.created)) return undefined;
    if (!entry.tags?.length) return entry;
    this.tagged.add(scope);
    return this.checkTags(entry);
  }

  /** The entry and its marks live in different slots: read in parallel, and the tags' marks after. */
  private async readAcrossSlots(key: string, markKeys: string[]): Promise<StoredEntry | undefined> {
    const { client } = this.connection;
    const [payload, stamps] = await Promise.all([client.getBuffer(key), client.mget(markKeys)]);
    const entry = this.decode(payload);
    if (entry === undefined || voids(stamps, entry.created)) return undefined;
    return entry.tags?.length ? this.checkTags(entry) : entry;
  }

  private async checkTags(entry: StoredEntry): Promise<StoredEntry | undefined> {
    const stamps = await this.connection.client.mget(entry.tags!.map((tag) => this.tagBase + tag));
    return voids(stamps, entry.created) ? undefined : entry;
  }

  /** An entry no codec of this version can read is a miss: it is recomputed and replaced. */
  private decode(payload: Buffer | null): StoredEntry | undefined {
    try {
      return redisEntry.decode(payload);
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
}

function voids(stamps: Array<string | Buffer | null>, created: number): boolean {
  for (const stamp of stamps) if (stamp !== null && Number(String(stamp)) >= created) return true;
  return false;
}

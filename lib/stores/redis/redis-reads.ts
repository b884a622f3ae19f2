import { Messages } from '../../cache-memoize.messages.js';
import type { RateLimitedLogger } from '../../utils/rate-limited-logger.js';
import { voids as markVoids } from '../marks.js';
import { type EntryScope, latestStamp, type StoredEntry } from '../memo-store.interface.js';
import { assertConnected, type RedisConnection } from './redis-client.factory.js';
import type { RedisClock } from './redis-clock.js';
import { redisEntry } from './redis-entry.js';
import type { ScriptedRedis } from './redis-scripts.js';

/**
 * What a hit on a Redis alias runs (RedisMemoStore.get, through its shared reads): the entry
 * and the marks that may void it. On a single Redis a hit is one command: an MGET of the
 * entry and its marks, or for tagged entries one script that also reads the tags' marks. On
 * a Cluster the entry and its marks are read in parallel and a tagged entry's tag marks
 * after, with no cross-slot command.
 */
export class RedisReads {
  private readonly scopeKeys = new WeakMap<EntryScope, string[]>();
  /** Scopes whose entries carry tags: on a single Redis they are read with one script. */
  private readonly tagged = new WeakSet<EntryScope>();

  constructor(
    private readonly alias: string,
    private readonly connection: RedisConnection,
    private readonly scripts: ScriptedRedis,
    private readonly clock: RedisClock,
    /** Where the alias's marks live, and what a tag's mark key starts with (see RedisMemoStore). */
    private readonly markBase: string,
    private readonly tagBase: string,
    private readonly log: RateLimitedLogger,
  ) {}

  async read(key: string, scope: EntryScope): Promise<StoredEntry | undefined> {
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

  /** The keys of a scope's marks, built once per scope: the store's writes keep the same ones. */
  keysOf(scope: EntryScope): string[] {
    let keys = this.scopeKeys.get(scope);
    if (keys === undefined) this.scopeKeys.set(scope, (keys = scope.marks.map((mark) => this.markBase + mark)));
    return keys;
  }

  private assertConnected(): void {
    assertConnected(this.connection.client);
  }
}

/** A missing or unreadable mark voids too: it may have been evicted (see lua/library.ts). */
function voids(stamps: Array<string | Buffer | null>, created: number): boolean {
  for (const stamp of stamps) {
    if (stamp === null) return true;
    const mark = Number(String(stamp));
    if (Number.isNaN(mark) || markVoids(mark, created)) return true;
  }
  return false;
}

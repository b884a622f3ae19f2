import { DEFAULT_LOCAL_LEASE, DEFAULT_LOCAL_MAX } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { LocalTierOptions } from '../interfaces/module-options.interface.js';
import { parseDuration, parseTimerDuration } from '../utils/duration.js';
import { InvalidationBus } from '../stores/local/invalidation-bus.js';
import { LocalTier } from '../stores/local/local-tier.js';
import { TwoTierMemoStore } from '../stores/local/two-tier.store.js';
import type { RedisMemoStore } from '../stores/redis/redis.store.js';
import type { RedisConnection } from '../stores/redis/redis-client.factory.js';

const OPTIONS = new Set(['max', 'ttl', 'lease']);

/** What `local` of a Redis alias says, validated and with defaults applied. */
export interface LocalTierSettings {
  max: number;
  ttlMs: number | undefined;
  leaseMs: number;
}

/** Validates `local` of alias `name`; undefined when it has none. */
export function localTierSettings(name: string, local: LocalTierOptions | undefined): LocalTierSettings | undefined {
  if (local === undefined) return undefined;
  if (typeof local !== 'object' || local === null || Array.isArray(local))
    throw new CacheConfigError(Messages.invalidLocalOption(name));
  for (const option of Object.keys(local))
    if (!OPTIONS.has(option)) throw new CacheConfigError(Messages.unknownLocalOption(name, option));
  const max = local.max ?? DEFAULT_LOCAL_MAX;
  if (!Number.isInteger(max) || max <= 0) throw new CacheConfigError(Messages.invalidLocalMax(name, max));
  return {
    max,
    ttlMs: parseTimerDuration(local.ttl, `cache alias '${name}' (local.ttl)`),
    leaseMs: parseDuration(local.lease ?? DEFAULT_LOCAL_LEASE, `cache alias '${name}' (local.lease)`),
  };
}

/** The two-tier store of a Redis alias: its Redis store, a local tier, and the bus between processes. */
export function createTwoTierStore(
  remote: RedisMemoStore,
  connection: RedisConnection,
  settings: LocalTierSettings,
  storeTimeoutMs: number,
  storeClass: typeof TwoTierMemoStore = TwoTierMemoStore,
): TwoTierMemoStore {
  const local = new LocalTier(settings.max, settings.ttlMs);
  const bus = new InvalidationBus(connection.client, `${remote.markBase}bus`, local, settings.leaseMs, storeTimeoutMs);
  return new storeClass(remote, local, bus);
}

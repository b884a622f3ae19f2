import { Redis, type Cluster, type RedisOptions } from 'ioredis';
import { Messages } from '../../cache-memoize.messages.js';
import { CacheConfigError } from '../../errors.js';
import type { RedisCacheDefinition, RedisClient } from '../../interfaces/module-options.interface.js';

/** The client of one Redis alias, and whether the alias opened it (and so closes it). */
export interface RedisConnection {
  readonly client: Redis | Cluster;
  readonly owned: boolean;
}

/** Client states in which a command would only wait for a connection that is not there. */
const DOWN = new Set(['reconnecting', 'close', 'end', 'disconnecting']);

/** Raised at once, without queueing, for a store call while the connection is down. */
class RedisUnavailableError extends Error {
  constructor(status: string) {
    super(`Redis is not connected (${status})`);
    this.name = 'RedisUnavailableError';
  }
}

/** Fails at once, without queueing, while the connection is down. */
export function assertConnected(client: Redis | Cluster): void {
  if (DOWN.has(client.status)) throw new RedisUnavailableError(client.status);
}

/** Seen in `CLIENT LIST`, so operators can tell the cache's connections apart. */
export const CONNECTION_NAME = 'nestjs-cache-memoize';

/**
 * ioredis ends a socket on `disconnect()` and destroys it `disconnectTimeout` later (2 s by
 * default) if the server has not closed it: with Redis unreachable at shutdown, that kept
 * the process alive 2 s after `app.close()`. The alias only disconnects once it has sent
 * QUIT (or given up on it after `storeTimeout`), so nothing is left to flush.
 */
export const CLOSE_AT_ONCE = 0;

/**
 * Defaults for a client the alias opens, so a Redis outage costs a call no more than
 * `storeTimeout`: a command waiting for a connection fails at the next failed reconnect
 * instead of queueing for the whole outage, a dead server is noticed within two seconds,
 * and reconnecting goes on forever (capped at two seconds apart), so caching resumes by
 * itself. It connects on first use, so an application whose bootstrap fails is not kept
 * alive by a socket nobody will close, and closes at once (see CLOSE_AT_ONCE). Options
 * given in `redis` win.
 */
const FAIL_FAST: RedisOptions = {
  lazyConnect: true,
  maxRetriesPerRequest: 0,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  connectionName: CONNECTION_NAME,
  disconnectTimeout: CLOSE_AT_ONCE,
};

/** Opens (or adopts) the client of a `{ store: 'redis' }` alias, validating its definition. */
export function connectRedis(alias: string, definition: RedisCacheDefinition): RedisConnection {
  assertRedisDefinition(alias, definition);
  const { url, redis } = definition;
  // Any ioredis 5 or 6 client: the library only uses what both have (see RedisClient).
  if (isClient(redis)) return { client: redis as unknown as Redis | Cluster, owned: false };
  const options: RedisOptions = { ...FAIL_FAST, ...(redis as RedisOptions | undefined) };
  return { client: url === undefined ? new Redis(options) : new Redis(url, options), owned: true };
}

/** Checks a `{ store: 'redis' }` definition without connecting. */
export function assertRedisDefinition(alias: string, definition: RedisCacheDefinition): void {
  const { url, redis } = definition;
  if (url !== undefined && (typeof url !== 'string' || !isRedisUrl(url))) {
    throw new CacheConfigError(Messages.invalidRedisUrl(alias, url));
  }
  if (redis !== undefined && (typeof redis !== 'object' || redis === null)) {
    throw new CacheConfigError(Messages.invalidRedisOption(alias));
  }
  if (isClient(redis) && url !== undefined) throw new CacheConfigError(Messages.redisUrlAndClient(alias));
}

/** A Redis or Cluster instance (from any copy of ioredis), rather than options for one. */
function isClient(value: unknown): value is RedisClient {
  const candidate = value as Partial<RedisClient> | undefined;
  return typeof candidate?.sendCommand === 'function' && typeof candidate.defineCommand === 'function';
}

function isRedisUrl(url: string): boolean {
  try {
    return ['redis:', 'rediss:'].includes(new URL(url).protocol);
  } catch {
    return false;
  }
}

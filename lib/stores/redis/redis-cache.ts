import { type Cache, type CacheManagerStore, createCache, KeyvAdapter } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import type { Cluster, Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { Messages } from '../../cache-memoize.messages.js';
import { entryCodec } from '../../serialization/entry-codec.js';

/**
 * The cache-manager `Cache` of a Redis alias, for `CacheRegistry.get()`: a
 * cache-manager-ioredis-yet store on the alias's own client, through `KeyvAdapter`.
 * Keyv's records go through the entry codec, so what users store keeps its types and
 * the store's telejson only ever sees an opaque string (it would otherwise turn ISO
 * strings into Dates and `_function_` strings into code). Flushing and listing keys are
 * refused: the store would run FLUSHDB and KEYS on a Redis other apps share.
 */
export function createRedisCache(
  alias: string,
  client: Redis | Cluster,
  namespace: string | undefined,
  ttlMs: number | undefined,
): Cache {
  const refuse = () => Promise.reject(new Error(Messages.redisFlushRefused(alias)));
  const store = { ...redisInsStore(client, { ttl: ttlMs }), name: 'redis', reset: refuse, keys: refuse };
  const keyv = new Keyv({
    store: new KeyvAdapter(store as unknown as CacheManagerStore),
    namespace: namespace ?? 'keyv',
    serialize: (data) => entryCodec.encode(data),
    deserialize: (text) => entryCodec.decode(text),
  });
  return createCache({ stores: [keyv] });
}

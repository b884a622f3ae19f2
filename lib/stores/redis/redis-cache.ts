import { type Cache, type CacheManagerStore, createCache, KeyvAdapter } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import type { Cluster, Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { Messages } from '../../cache-memoize.messages.js';
import { entryCodec } from '../../serialization/entry-codec.js';

/**
 * The cache-manager `Cache` of a Redis alias, for `CacheRegistry.get()`: a
 * cache-manager-ioredis-yet store on the alias's own client, through `KeyvAdapter`.
 * Keyv's records go through the entry codec, so what users store keeps its types.
 * Reads bypass the store's telejson parser: it turns any `_function_...` string it meets,
 * at any depth of a value another app or an attacker wrote, into a function that runs that
 * code when called. Here a read is the raw string, kept only when it is a JSON string, and
 * the codec decodes nothing it did not write. Flushing and listing keys are refused: the
 * store would run FLUSHDB and KEYS on a Redis other apps share.
 */
export function createRedisCache(
  alias: string,
  client: Redis | Cluster,
  namespace: string | undefined,
  ttlMs: number | undefined,
): Cache {
  const refuse = () => Promise.reject(new Error(Messages.redisFlushRefused(alias)));
  const store = {
    ...redisInsStore(client, { ttl: ttlMs }),
    name: 'redis',
    reset: refuse,
    keys: refuse,
    get: async (key: string) => asText(await client.get(key)),
    mget: async (...keys: string[]) => (await client.mget(keys)).map(asText),
  };
  const keyv = new Keyv({
    store: new KeyvAdapter(store as unknown as CacheManagerStore),
    namespace: namespace ?? 'keyv',
    serialize: (data) => entryCodec.encode(data),
    deserialize: (text) => entryCodec.decode(text),
  });
  return createCache({ stores: [keyv] });
}

/** The string the store wrote (it JSON-quotes the codec's text); anything else is not ours and reads as absent. */
function asText(raw: string | null): string | undefined {
  if (raw === null || !raw.startsWith('"')) return undefined;
  try {
    const text: unknown = JSON.parse(raw);
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

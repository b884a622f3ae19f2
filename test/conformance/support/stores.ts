import { createKeyv } from '@keyv/redis';
import type { INestApplication } from '@nestjs/common';
import { type Cache, createCache } from 'cache-manager';
import { Cluster, Redis } from 'ioredis';
import type { CacheDefinition, LocalTierOptions } from '../../../lib/index.js';
import { CacheRegistry } from '../../../lib/index.js';
import { defineScripts } from '../../../lib/stores/redis/redis-scripts.js';
import { provideCluster, provideRedis } from '../../support/redis-harness.js';

/** The memory alias's bound in the conformance apps: small, so an eviction test can flood it. */
export const MEMORY_MAX = 1_000;

/**
 * A store every conformance test runs on. Adding a store (say the two-tier alias) is one
 * more entry in `CONFORMANCE_STORES`: a definition of the alias, and a way to delete what
 * it keeps from under it.
 */
export interface ConformanceStore {
  readonly name: string;
  /** Whether its marks and tombstones live where a test can reach them (not a memory alias's own maps). */
  readonly reachable: boolean;
  /** Starts what the store needs; undefined when it cannot run here (the harness says why, loudly). */
  open(): Promise<OpenedStore | undefined>;
}

export interface OpenedStore {
  readonly name: string;
  /** Whether the store is shared by processes (and `lock: 'distributed'` and cross-process tests apply). */
  readonly shared: boolean;
  /** The `default` alias of one application, under `namespace`. */
  definition(namespace: string): CacheDefinition;
  /**
   * Deletes, from under the store, what it keeps for `namespace` and `choose` picks: what an
   * `allkeys-lru` Redis or a full LRU does to marks, tombstones and entries. A memory alias
   * can only be flooded: every key it holds goes, whatever `choose` says.
   */
  evict(app: INestApplication, namespace: string, choose: (key: string) => boolean): Promise<number>;
  /** Writes `value` under `key` as the backend stores it, bypassing the library (corrupt data). */
  writeRaw(app: INestApplication, key: string, value: string): Promise<void>;
  /** The raw key under which the alias keeps what the library calls `key`. */
  rawKey(namespace: string, key: string): string;
  close(): Promise<void>;
}

/** Keys of the namespace on a Redis or each Cluster master: SCAN only, never KEYS. */
async function keysOf(client: Redis | Cluster, namespace: string): Promise<Array<{ node: Redis; key: string }>> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  const found: Array<{ node: Redis; key: string }> = [];
  for (const node of nodes) {
    for await (const keys of node.scanStream({ match: `*${namespace}*`, count: 1_000 })) {
      for (const key of keys as string[]) found.push({ node, key });
    }
  }
  return found;
}

/** The clock key of an alias (see lib/stores/redis/lua/library.ts), beside its marks. */
const ALIAS_CLOCK = /__marks\}:[^:]+:clock$/;

async function evictFrom(client: Redis | Cluster, namespace: string, choose: (key: string) => boolean) {
  let evicted = 0;
  for (const { node, key } of await keysOf(client, namespace)) {
    if (choose(key)) evicted += await node.unlink(key);
  }
  return evicted;
}

const memory: ConformanceStore = {
  name: 'memory',
  reachable: false,
  open: async () => ({
    name: 'memory',
    shared: false,
    definition: () => ({ store: 'memory', max: MEMORY_MAX }),
    async evict(app) {
      // A memory alias loses keys only to its own LRU: fill it with other data.
      const cache = app.get(CacheRegistry).get();
      await cache.mset(Array.from({ length: MEMORY_MAX }, (_, i) => ({ key: `flood:${i}`, value: i })));
      return MEMORY_MAX;
    },
    async writeRaw(app, key, value) {
      await app.get(CacheRegistry).get().set(key, value);
    },
    rawKey: (_namespace, key) => key,
    close: async () => undefined,
  }),
};

function redisStore(
  name: string,
  connect: () => Promise<
    { url?: string; nodes?: Array<{ host: string; port: number }>; release(): Promise<void> } | undefined
  >,
  /** A two-tier alias: a local tier in each application, in front of Redis. */
  local?: LocalTierOptions,
): ConformanceStore {
  return {
    name,
    reachable: true,
    async open() {
      const target = await connect();
      if (!target) return undefined;
      const admin = target.nodes ? new Cluster(target.nodes) : new Redis(target.url!);
      const scripts = defineScripts(admin);
      const clients: Cluster[] = [];
      return {
        name,
        shared: true,
        definition(): CacheDefinition {
          if (!target.nodes) return { store: 'redis', url: target.url, ...(local && { local }) };
          const client = new Cluster(target.nodes);
          clients.push(client);
          return { store: 'redis', redis: client, ...(local && { local }) };
        },
        async evict(_app, namespace, choose) {
          const clocks: string[] = [];
          const evicted = await evictFrom(admin, namespace, (key) => {
            const chosen = choose(key);
            if (chosen && ALIAS_CLOCK.test(key)) clocks.push(key);
            return chosen;
          });
          // Every process reads its alias's clock each second, and re-creates it when it is gone:
          // one of them does now, before anything else reaches the store.
          for (const clock of clocks) await scripts.cacheMemoizeTime(clock);
          return evicted;
        },
        async writeRaw(_app, key, value) {
          await admin.set(key, value, 'PX', 600_000);
        },
        rawKey: (_namespace, key) => key,
        async close() {
          for (const client of clients) client.disconnect();
          admin.disconnect();
          await target.release();
        },
      };
    },
  };
}

/** A cache-manager `Cache` over @keyv/redis, as users hand in through `{ cache }`, in a Keyv namespace per app. */
const cacheManager: ConformanceStore = {
  name: '{ cache } (cache-manager over @keyv/redis)',
  reachable: true,
  async open() {
    const redis = await provideRedis();
    if (!redis) return undefined;
    const admin = new Redis(redis.url);
    const caches: Cache[] = [];
    return {
      name: this.name,
      shared: true,
      definition(namespace) {
        const cache = createCache({ stores: [createKeyv(redis.url, { namespace })] });
        caches.push(cache);
        return { cache };
      },
      evict: (_app, namespace, choose) => evictFrom(admin, namespace, choose),
      async writeRaw(app, key, value) {
        await app.get(CacheRegistry).get().set(key, value);
      },
      rawKey: (namespace, key) => `${namespace}::${key}`,
      async close() {
        await Promise.all(caches.map((cache) => cache.disconnect()));
        admin.disconnect();
        await redis.release();
      },
    };
  },
};

export const CONFORMANCE_STORES: readonly ConformanceStore[] = [
  memory,
  redisStore('redis', async () => provideRedis()),
  redisStore('3-master Redis Cluster', async () => {
    const cluster = await provideCluster();
    return cluster && { nodes: cluster.startupNodes, release: () => cluster.stop() };
  }),
  cacheManager,
  redisStore('two-tier (Redis + local tier)', async () => provideRedis(), { lease: '1s' }),
];

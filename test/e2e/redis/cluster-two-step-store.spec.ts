import { Injectable, type INestApplication } from '@nestjs/common';
import { Cluster, type Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisCluster } from '../../support/redis-cluster.js';
import type { RedisServer } from '../../support/redis-server.js';
import { TcpProxy } from '../../support/tcp-proxy.js';

/** The data both processes read: one row, shared. */
const db = { version: 1 };
/** Process A's computation is held open with this gate. */
const gate = new Gate();

@Injectable()
class Posts {
  constructor(private readonly held: boolean) {}

  @CacheMemoize({ ttl: '1h' })
  async post(id: number): Promise<number> {
    const version = db.version;
    if (this.held) await gate.pass();
    return version;
  }
}

const VALUE = 'x'.repeat(1_000);

/**
 * On a Cluster an entry and the alias's marks live on different nodes, so a store cannot be one
 * script. Process A's link to the entry's node holds its packets back while process B
 * invalidates the key and memory pressure evicts B's tombstone; then A's store goes on. When a
 * store checked the marks and the last delete first and wrote after, A's write landed on the
 * empty key with a last-delete stamp read before B's delete, and B read version 1 after its
 * invalidate() resolved. Now the entry goes first, as pending, and is made readable only after
 * the checks and only if no delete replaced it.
 */
(requireRedisServer() ? describe : describe.skip)(
  'a Redis Cluster store, across the nodes of the entry and the marks',
  () => {
    let cluster: RedisCluster;
    let admin: Cluster;
    let proxy: TcpProxy;
    let entryNode: RedisServer;
    let clientA: Cluster;
    let clientB: Cluster;
    let appA: INestApplication;
    let appB: INestApplication;
    const namespace = uniqueNamespace('cluster-two-step');

    beforeAll(async () => {
      cluster = await RedisCluster.start();
      admin = new Cluster(cluster.startupNodes);
      await admin.ping();
    }, 60_000);
    afterAll(async () => {
      admin?.disconnect();
      await cluster?.stop();
    });

    afterEach(async () => {
      await appA?.close();
      await appB?.close();
      clientA?.disconnect();
      clientB?.disconnect();
      await proxy?.stop();
    });

    async function nodeOf(key: string): Promise<string> {
      const slot = Number(await admin.call('CLUSTER', 'KEYSLOT', key));
      return admin.slots[slot][0];
    }

    it.each([
      ['stays refused while the tombstone is there (control)', false],
      [
        'does not let a computation that began before invalidate() store its result once the tombstone is evicted',
        true,
      ],
    ])(
      '%s',
      async (_name, evict) => {
        db.version = 1;
        // Process B: the invalidating process, straight to every node.
        clientB = new Cluster(cluster.startupNodes);
        appB = await createApp(
          { providers: [{ provide: Posts, useFactory: () => new Posts(false) }] },
          { namespace, caches: { default: { store: 'redis', redis: clientB } } },
        );
        const invalidation = appB.get(InvalidationService);
        const marksNode = await nodeOf(`{${namespace}:__marks}:default:clock`);
        // An id whose entry lives on another node than the marks.
        let id = evict ? 1_000 : 1;
        while ((await nodeOf(invalidation.keyFor(Posts, 'post', id))) === marksNode) id++;
        const key = invalidation.keyFor(Posts, 'post', id);
        const entryAddress = await nodeOf(key);
        entryNode = cluster.nodes.find((node) => entryAddress.endsWith(`:${node.port}`))!;

        // Process A reaches the entry's node through a link that can delay its packets.
        proxy = await TcpProxy.start(entryNode.port);
        const proxyPort = Number(new URL(proxy.url).port);
        clientA = new Cluster(cluster.startupNodes, {
          natMap: { [`127.0.0.1:${entryNode.port}`]: { host: '127.0.0.1', port: proxyPort } },
        });
        appA = await createApp(
          { providers: [{ provide: Posts, useFactory: () => new Posts(true) }] },
          { namespace, caches: { default: { store: 'redis', redis: clientA } } },
        );
        const postsA = appA.get(Posts);
        const postsB = appB.get(Posts);

        // A misses and computes version 1, held open.
        gate.close();
        const running = postsA.post(id);
        await gate.whenReached();
        // A's link to the entry's node delays its packets; A's store waits on the link.
        proxy.partitioned = true;
        gate.openUp();
        const queued = (proxy as unknown as { queued: Map<unknown, Buffer[]> }).queued;
        for (let waited = 0; queued.size === 0; waited += 10) {
          if (waited > 5_000) throw new Error('A never sent its write');
          await sleep(10);
        }

        // The row changes; B invalidates the key, and the invalidation resolves.
        db.version = 2;
        await invalidation.invalidate(Posts, 'post', id);
        const entryRedis = admin.nodes('master').find((node) => node.options.port === entryNode.port)!;
        expect((await entryRedis.getBuffer(key))?.toString('latin1')).toMatch(/^cm1b\|\d+\|\n$/); // the tombstone

        // Memory pressure on the entry's node (allkeys-lru) evicts the tombstone, as any key may be.
        if (evict) await evictTombstone(entryRedis, entryAddress, key);

        // A's link delivers what it held back, and A's store goes on.
        proxy.partitioned = false;
        await running.catch(() => undefined);
        for (let waited = 0; (await entryRedis.exists(key)) === 0 && waited < 2_000; waited += 20) await sleep(20);
        const stored = (await entryRedis.getBuffer(key))?.toString('latin1') ?? '';
        const deleted = await admin.get(`{${namespace}:__marks}:default:deleted`);
        console.log(`evict=${evict} stored=${JSON.stringify(stored.slice(0, 40))} last delete=${deleted}`);

        // A call that starts after invalidate() resolved, in B (or any process), must get version 2.
        expect(await postsB.post(id)).toBe(2);
      },
      60_000,
    );

    async function evictTombstone(entryRedis: Redis, entryAddress: string, key: string): Promise<void> {
      const used = Number(/used_memory:(\d+)/.exec(await entryRedis.info('memory'))![1]);
      await entryRedis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await entryRedis.config('SET', 'maxmemory', String(used + 2_000_000));
      const tag = (await entryRedis.call('CLUSTER', 'MYID')) as string;
      // Filler keys in one slot of this node.
      const slotTag = await (async () => {
        for (let i = 0; ; i++) if ((await nodeOf(`{fill-${tag}-${i}}`)) === entryAddress) return `{fill-${tag}-${i}}`;
      })();
      let filled = 0;
      for (let round = 0; (await entryRedis.exists(key)) === 1; round++) {
        if (round > 400) throw new Error('the tombstone was never evicted');
        const batch = entryRedis.pipeline();
        for (let i = 0; i < 200; i++) {
          const name = `${slotTag}:${filled++}`;
          batch.set(name, VALUE);
          for (let read = 0; read < 5; read++) batch.strlen(name);
        }
        await batch.exec();
      }
      await entryRedis.config('SET', 'maxmemory', '0');
      for (let i = 0; i < filled; i += 500) {
        const names = [];
        for (let j = i; j < Math.min(filled, i + 500); j++) names.push(`${slotTag}:${j}`);
        await entryRedis.unlink(...names);
      }
    }
  },
);

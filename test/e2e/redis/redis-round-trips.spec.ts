import type { INestApplication } from '@nestjs/common';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Cluster } from 'ioredis';
import type { RedisCacheDefinition } from '../../../lib/index.js';
import { Catalog, Reports } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { provideCluster, requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';

/**
 * What a hit costs in Redis commands, counted with MONITOR on private servers (so no
 * other traffic is counted). On a single Redis every hit is one EVALSHA; on a Cluster
 * the entry and its marks are read in parallel (one round trip), and a tagged entry's
 * tag marks after it (a second one).
 */
const server = requireRedisServer() ? await RedisServer.start() : undefined;
const cluster = server ? await provideCluster() : undefined;
afterAll(async () => {
  await server?.stop();
  await cluster?.stop();
});

const cases = [
  {
    name: 'single Redis',
    ports: () => [server!.port],
    definition: (): RedisCacheDefinition => ({ store: 'redis', url: server!.url }),
    plain: 1,
    tagged: 1,
  },
  {
    name: '3-master Redis Cluster',
    ports: () => cluster!.nodes.map((node) => node.port),
    definition: (): RedisCacheDefinition => ({ store: 'redis', redis: new Cluster(cluster!.startupNodes) }),
    plain: 2,
    tagged: 3,
  },
];

(server ? describe.each(cases) : describe.skip.each(cases))(
  'commands per hit on $name',
  ({ ports, definition, plain, tagged }) => {
    const HITS = 20;
    let app: INestApplication;
    let monitors: ChildProcess[];
    let seen: string[];
    let namespace: string;
    let cache: RedisCacheDefinition;

    beforeEach(async () => {
      namespace = uniqueNamespace('rtt');
      cache = definition();
      // A generous storeTimeout: on a loaded machine a slow answer would otherwise be a store error,
      // a bypass and a method run, and its commands would be counted as the hit's.
      app = await createApp(
        { providers: [Catalog, Reports] },
        { namespace, storeTimeout: '5s', caches: { default: cache } },
      );
      seen = [];
      monitors = await Promise.all(ports().map((port) => watch(port, (line) => seen.push(line))));
    });
    afterEach(async () => {
      monitors.forEach((monitor) => monitor.kill());
      await app.close();
      if (cache.redis instanceof Cluster) cache.redis.disconnect();
    });

    /** `redis-cli monitor`: every command a server runs, one line each; script-internal ones say `lua`. */
    function watch(port: number, onCommand: (line: string) => void): Promise<ChildProcess> {
      const monitor = spawn('redis-cli', ['-p', String(port), 'monitor']);
      const lines = createInterface({ input: monitor.stdout });
      const ready = new Promise<ChildProcess>((resolve) => lines.once('line', () => resolve(monitor)));
      lines.on('line', (line) => {
        // What a script runs inside Redis is no round trip; the clock sample (once a second) is no part of a hit.
        if (line.includes(namespace) && !line.includes(' lua]') && !line.includes('__marks}:clock')) onCommand(line);
      });
      return ready;
    }

    async function commandsPerHit(call: () => Promise<unknown>): Promise<number> {
      await call(); // the miss, and the scripts loaded
      await call(); // the first hit, which tells the store whether the method tags its entries
      await waitFor(() => seen.length > 0, 'the miss to be seen');
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = [];
      for (let i = 0; i < HITS; i++) await call();
      await waitFor(() => seen.length >= HITS, 'the hits to be seen');
      await new Promise((resolve) => setTimeout(resolve, 100));
      return seen.length / HITS;
    }

    it('reads a plain hit in the fewest commands', async () => {
      const catalog = app.get(Catalog);
      expect(await commandsPerHit(() => catalog.list(1))).toBe(plain);
      expect(catalog.calls.list).toBe(1);
    });

    it('reads a tagged hit in the fewest commands', async () => {
      const catalog = app.get(Catalog);
      expect(await commandsPerHit(() => catalog.book(1))).toBe(tagged);
      expect(catalog.calls.book).toBe(1);
    });
  },
);

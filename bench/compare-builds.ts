/**
 * `npm run bench:compare -- <dir>`: the memory-hit and Redis-hit paths of this checkout next
 * to those of another checkout of the library (`<dir>`, e.g. a `git worktree` of an older
 * commit), in one process, their rounds interleaved so both see the same machine load.
 * Prints each row's median for both, and the ratio this/other (below 1: this is faster).
 *
 *   git worktree add /tmp/base 714e03f && ln -s "$PWD/node_modules" /tmp/base/node_modules
 *   npm run bench:compare -- /tmp/base
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { INestApplicationContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadTest, timeTasks, type Timing } from './support/measure.js';
import { PAYLOADS } from './support/payloads.js';
import { connectRedis, REDIS_URL, RUN_PREFIX } from './support/redis.js';

type Lib = typeof import('../lib/index.js');
interface Build {
  name: string;
  memory: Catalog;
  cloning: Catalog;
  redis?: Catalog;
  apps: INestApplicationContext[];
}
interface Catalog {
  byId(id: number): Promise<unknown>;
  search(query: { term: string; page: number }): Promise<unknown>;
}

const other = process.argv[2];
if (!other) throw new Error('usage: npm run bench:compare -- <directory of the other checkout>');
const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 5);
const payload = PAYLOADS[0]!;

async function load(name: string, dir: string, index: number): Promise<Build> {
  const lib = (await import(pathToFileURL(resolve(dir, 'lib/index.ts')).href)) as Lib;
  const start = async (options: Parameters<Lib['CacheMemoizeModule']['forRoot']>[0]) => {
    // One class per app and build: each build's decorator wires its own copy.
    @Injectable()
    class BenchCatalog implements Catalog {
      @lib.CacheMemoize('10m')
      async byId(id: number): Promise<unknown> {
        return { id, ...(payload.value as object) };
      }

      @lib.CacheMemoize('10m')
      async search(query: { term: string; page: number }): Promise<unknown> {
        return { query, value: payload.value };
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [lib.CacheMemoizeModule.forRoot(options)],
      providers: [BenchCatalog],
    }).compile();
    const app = await moduleRef.init();
    return { app, catalog: app.get(BenchCatalog) as Catalog };
  };
  const memory = await start({});
  const cloning = await start({ caches: { default: { store: 'memory', clone: true } } });
  const apps = [memory.app, cloning.app];
  const build: Build = { name, memory: memory.catalog, cloning: cloning.catalog, apps };
  const { redis, reason } = await connectRedis();
  if (redis) {
    redis.disconnect();
    const started = await start({
      namespace: `${RUN_PREFIX}-${index}`,
      caches: { default: { store: 'redis', url: REDIS_URL } },
    });
    build.redis = started.catalog;
    apps.push(started.app);
  } else {
    console.warn(`Redis rows skipped: ${reason}`);
  }
  for (const catalog of [build.memory, build.cloning, build.redis]) {
    await catalog?.byId(1);
    await catalog?.search({ term: 'kettle', page: 1 });
  }
  return build;
}

const builds = [await load('this', process.cwd(), 0), await load('other', other, 1)];
const rows = new Map<string, Timing[][]>();
const record = (row: string, timings: Timing[]) => {
  const kept = rows.get(row) ?? [];
  kept.push(timings);
  rows.set(row, kept);
};

for (let round = 0; round < ROUNDS; round++) {
  // Alternate which build goes first, so neither always runs on a warmer or cooler machine.
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  record(
    'memory hit, primitive argument',
    await timeTasks(
      order.map((b) => [b.name, () => b.memory.byId(1)] as const),
      250,
      1,
    ),
  );
  record(
    'memory hit, object argument',
    await timeTasks(
      order.map((b) => [b.name, () => b.memory.search({ term: 'kettle', page: 1 })] as const),
      250,
      1,
    ),
  );
  record(
    'memory hit, clone: true',
    await timeTasks(
      order.map((b) => [b.name, () => b.cloning.byId(1)] as const),
      250,
      1,
    ),
  );
  if (order.every((b) => b.redis)) {
    const redisRow: Timing[] = [];
    for (const b of order) redisRow.push(await loadTest(b.name, () => b.redis!.byId(1), 64, 1_000));
    record('redis hit, concurrency 64', redisRow);
  }
}

console.log(`this: ${process.cwd()}\nother: ${resolve(other)}\n${ROUNDS} interleaved rounds, best round of each\n`);
console.log('| row | this (median) | other (median) | this / other |');
console.log('| --- | ---: | ---: | ---: |');
for (const [row, rounds] of rows) {
  const best = (name: string) => Math.min(...rounds.map((r) => r.find((t) => t.name === name)!.medianNs));
  const [ours, theirs] = [best('this'), best('other')];
  console.log(`| ${row} | ${fmt(ours)} | ${fmt(theirs)} | ${(ours / theirs).toFixed(3)} |`);
}
for (const build of builds) for (const app of build.apps) await app.close();

function fmt(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}

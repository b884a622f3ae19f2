/**
 * A hit on a two-tier alias's local copy against a hit on a memory alias, same method, same
 * app, interleaved rounds (the goal: at most 1.2x). `npm run bench` has the full
 * tables; this is the quick check beside the design notes.
 *   node --import @swc-node/register/esm-register bench/designs/local-hit.ts [redis-url]
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheMemoize, CacheMemoizeModule } from '../../lib/index.js';

const url = process.argv[2] ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

@Injectable()
class Prices {
  @CacheMemoize({ ttl: '10m', cache: 'memory' })
  async memory(id: number): Promise<number> {
    return id;
  }

  @CacheMemoize({ ttl: '10m', cache: 'twoTier' })
  async twoTier(id: number): Promise<number> {
    return id;
  }
}

@Module({
  imports: [
    CacheMemoizeModule.forRoot({
      namespace: `bench-local-hit-${process.pid}`,
      defaultCache: 'memory',
      caches: { memory: { store: 'memory' }, twoTier: { store: 'redis', url, local: {} } },
    }),
  ],
  providers: [Prices],
})
class BenchModule {}

const app = await NestFactory.createApplicationContext(BenchModule, { logger: false, abortOnError: false });
const prices = app.get(Prices);
await new Promise((resolve) => setTimeout(resolve, 1_500)); // the lease
await prices.memory(1);
await prices.twoTier(1);
await prices.twoTier(1);
const CALLS = 200_000;
const time = async (call: (id: number) => Promise<number>) => {
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call(1);
  return ((performance.now() - started) * 1e6) / CALLS;
};
const memory: number[] = [];
const twoTier: number[] = [];
for (let round = 0; round < 10; round++) {
  memory.push(await time((id) => prices.memory(id)));
  twoTier.push(await time((id) => prices.twoTier(id)));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(
  `memory-alias hit ${median(memory).toFixed(0)} ns, two-tier local hit ${median(twoTier).toFixed(0)} ns, ` +
    `ratio ${(median(twoTier) / median(memory)).toFixed(2)}x (median of 10 interleaved rounds of ${CALLS})`,
);
await app.close();

import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Redis } from 'ioredis';
import { CacheMemoizeModule } from '../lib/index.js';
import { redisEntry } from '../lib/registry/redis/redis-entry.js';
import { withTimeout } from '../lib/utils/with-timeout.js';
import { Catalog, Reports } from '../test/fixtures/catalog.service.js';
import { MemoizedMethodRegistry } from '../lib/explorer/memoized-method.registry.js';
const ns = 'proftest2';
@Module({ imports: [CacheMemoizeModule.forRoot({ namespace: ns, caches: { default: { store: 'redis' } } })], providers: [Catalog, Reports] })
class M {}
const app = await NestFactory.createApplicationContext(M, { logger: false });
const catalog = app.get(Catalog);
await catalog.list(1);
const memo = app.get(MemoizedMethodRegistry).find(Catalog, 'list').memoized;
const store = memo.config.store; const scope = memo.config.scope; const key = memo.keyFor([1]);
const r = new Redis();
const marks = scope.marks.map((m) => `{${ns}:__marks}:` + m);
async function rate(name: string, call: () => Promise<unknown>, inFlight = 1) {
  const N = 30000; let left = N; const t = performance.now();
  await Promise.all(Array.from({ length: inFlight }, async () => { while (left-- > 0) await call(); }));
  console.log(name.padEnd(20), inFlight, Math.round(N / ((performance.now() - t) / 1000)));
}
for (const f of [1, 64]) {
  await rate('get', () => r.getBuffer(key), f);
  await rate('get', () => r.getBuffer(key), f);
  await rate('mget', () => r.mgetBuffer(key, ...marks), f);
  await rate('mget+decode', async () => redisEntry.decode((await r.mgetBuffer(key, ...marks))[0]), f);
  await rate('mget+timeout', () => withTimeout(r.mgetBuffer(key, ...marks), 250), f);
  await rate('store.get', () => store.get(key, scope) as Promise<unknown>, f);
  await rate('memoized', () => catalog.list(1), f);
}
r.disconnect(); await app.close();

/**
 * Heap held by invalidation marks: 1M distinct `invalidateTags` on a memory alias with
 * `max: 10_000`, measured after a full GC before and after.
 *   node --expose-gc --import @swc-node/register/esm-register bench/marks-heap.ts [count]
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheMemoize, CacheMemoizeModule, InvalidationService } from '../lib/index.js';

@Injectable()
class Posts {
  @CacheMemoize({ ttl: '1h', tags: ({ args }) => [`post:${args[0]}`] })
  async post(id: number): Promise<number> {
    return id;
  }
}

@Module({
  imports: [CacheMemoizeModule.forRoot({ caches: { default: { store: 'memory', max: 10_000 } } })],
  providers: [Posts],
})
class HeapModule {}

const count = Number(process.argv[2] ?? 1_000_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const app = await NestFactory.createApplicationContext(HeapModule, { logger: false });
const posts = app.get(Posts);
const invalidation = app.get(InvalidationService);
for (let id = 0; id < 10_000; id++) await posts.post(id); // a full alias, so marks have entries to void
const before = heap();
for (let i = 0; i < count; i++) await invalidation.invalidateTags(`tag:${i}`);
const after = heap();
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
console.log(
  `${count} distinct invalidateTags, max 10,000: heap ${mib(before)} MiB -> ${mib(after)} MiB (+${mib(after - before)} MiB)`,
);
await app.close();

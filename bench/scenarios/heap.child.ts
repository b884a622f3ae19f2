/**
 * Fills one cache with `count` entries in a fresh process and prints the heap it added:
 *   heap.child.ts <values|lru-cache|ours> <distinct|shared> <count>   (needs --expose-gc)
 * `distinct`: each entry holds its own copy of the 1 KB object; `shared`: every entry
 * holds the same 100-object list, so only the per-entry cost of the cache shows.
 */
import 'reflect-metadata';
import { LRUCache } from 'lru-cache';
import { ours } from '../fixtures/memo-app.js';
import { distinct, PAYLOADS } from '../support/payloads.js';

const [subject, variant, countArg] = process.argv.slice(2);
const count = Number(countArg);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

const valueOf = variant === 'shared' ? () => PAYLOADS[1]!.value : (i: number) => distinct(PAYLOADS[0]!, i);

function heapUsed(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

let keep: unknown;
let before: number;
if (subject === 'ours') {
  let next = 0;
  const us = await ours(async () => valueOf(next++), { caches: { default: { store: 'memory', max: count + 1 } } });
  await us.catalog.byId(-1);
  next = 0;
  before = heapUsed();
  for (let i = 0; i < count; i++) await us.catalog.byId(i);
  keep = us;
} else if (subject === 'lru-cache') {
  const lru = new LRUCache<string, object>({ max: count + 1 });
  lru.set('warm', valueOf(-1) as object);
  before = heapUsed();
  for (let i = 0; i < count; i++) lru.set(`Catalog.byId:${i}`, valueOf(i) as object);
  keep = lru;
} else {
  before = heapUsed();
  const values: unknown[] = [];
  for (let i = 0; i < count; i++) values.push(valueOf(i));
  keep = values;
}
const bytes = heapUsed() - before;
console.log(JSON.stringify({ bytes, kept: keep !== undefined }));
process.exit(0);

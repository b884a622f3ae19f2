/**
 * Calls a memoized method on a warm memory entry in a tight loop, for a profiler:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import @swc-node/register/esm-register bench/profile-hit.ts [object]
 * With `object`, the argument is an object (the canonical encoder's path); FLOOR=1 times the floor first.
 */
import 'reflect-metadata';
import type { Query } from './fixtures/catalog.service.js';
import { ours } from './fixtures/memo-app.js';
import { floor } from './fixtures/memory-peers.js';

const ITERATIONS = Number(process.env.ITERATIONS ?? 5_000_000);
const us = await ours(async () => ({ id: 1 }));
const { catalog } = us;
const objectArg = process.argv[2] === 'object';
await catalog.byId(1);
await catalog.search({ term: 'kettle', page: 1 });

const base = floor(async () => ({ id: 1 }));
await base.byId(1);
await base.search({ term: 'kettle', page: 1 });

async function loop(
  name: string,
  subject: { byId(id: number): Promise<unknown>; search(q: Query): Promise<unknown> },
): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < ITERATIONS; i++) {
    if (objectArg) await subject.search({ term: 'kettle', page: 1 });
    else await subject.byId(1);
  }
  const ns = ((performance.now() - started) * 1e6) / ITERATIONS;
  console.log(`${name}, ${objectArg ? 'object' : 'primitive'} argument: ${ns.toFixed(0)} ns per awaited hit`);
}
if (process.env.FLOOR) await loop('floor', base);
await loop('nestjs-cache-memoize', catalog);
await us.close();

import { redisEntry } from './redis-entry.js';
import type { ScriptedRedis } from './redis-scripts.js';

/** What the Cluster's store steps run their commands through: RedisMemoStore.call. */
export interface ScriptRunner {
  call<T>(command: (scripts: ScriptedRedis) => Promise<T>): Promise<T>;
}

/**
 * On a Cluster the entry and the marks live on different nodes, and no script spans both.
 * A store therefore writes the entry as pending (a miss to readers), then checks the marks
 * and the last delete, then makes the entry readable only if it is still the pending one.
 * A delete at any point of that replaces it with a tombstone, so even if memory pressure
 * evicts the tombstone before the last step, nothing is stored (checking first and writing
 * after, as this once did, let such a result in).
 */
export async function storeAcrossSlots(
  store: ScriptRunner,
  key: string,
  created: number,
  pending: Buffer,
  life: number,
  allow: string[],
): Promise<boolean> {
  const stamp = String(created);
  const header = redisEntry.pendingHeader(stamp);
  const placed = await store.call((r) => r.cacheMemoizeWritePending(key, stamp, pending, life));
  if (placed === 0) return false;
  let deleted: string;
  try {
    deleted = await store.call((r) => r.cacheMemoizeAllow(allow.length, ...allow, stamp, life));
  } catch (error) {
    dropPending(store, key, header);
    throw error;
  }
  // A key that held no entry of ours may have lost a tombstone: the last delete must predate the computation.
  if (deleted === '' || (placed === 2 && !(Number(deleted) < created))) {
    dropPending(store, key, header);
    return false;
  }
  return (await store.call((r) => r.cacheMemoizeCommit(key, header))) === 1;
}

/** A refused store's pending entry goes (it would read as a miss until it expired anyway). */
function dropPending(store: ScriptRunner, key: string, header: string): void {
  store.call((r) => r.cacheMemoizeDropPending(key, header)).catch(() => undefined);
}

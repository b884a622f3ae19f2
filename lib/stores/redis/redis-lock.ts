import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../../utils/with-timeout.js';
import type { DistributedLocks } from '../distributed-locks.interface.js';
import { assertConnected } from './redis-client.factory.js';
import { defineScripts, type ScriptedRedis } from './redis-scripts.js';

/**
 * The locks of a Redis alias: `SET NX PX` under a random token, extended and released by
 * scripts that first check the token, so a holder whose lock lapsed cannot free the next
 * holder's. Every command touches one key, so they work on a Cluster; lock keys
 * (`[namespace:]__lock:<entry key>`) spread over its slots like the entries.
 */
export class RedisLocks implements DistributedLocks {
  private readonly base: string;
  private readonly namespaced: string;
  private readonly scripts: ScriptedRedis;

  constructor(
    private readonly client: Redis | Cluster,
    namespace: string | undefined,
    readonly ttlMs: number,
    readonly waitMs: number,
    private readonly timeoutMs: number,
  ) {
    this.scripts = defineScripts(client);
    this.namespaced = namespace ? `${namespace}:` : '';
    this.base = `${this.namespaced}__lock:`;
  }

  async acquire(key: string, token: string): Promise<boolean> {
    assertConnected(this.client);
    return (
      (await withTimeout(this.client.set(this.keyOf(key), token, 'PX', this.ttlMs, 'NX'), this.timeoutMs)) === 'OK'
    );
  }

  async extend(key: string, token: string): Promise<boolean> {
    assertConnected(this.client);
    return (
      (await withTimeout(this.scripts.cacheMemoizeLockExtend(this.keyOf(key), token, this.ttlMs), this.timeoutMs)) === 1
    );
  }

  async release(key: string, token: string): Promise<void> {
    assertConnected(this.client);
    await withTimeout(this.scripts.cacheMemoizeLockRelease(this.keyOf(key), token), this.timeoutMs);
  }

  async isHeld(key: string): Promise<boolean> {
    assertConnected(this.client);
    return (await withTimeout(this.client.exists(this.keyOf(key)), this.timeoutMs)) === 1;
  }

  /** The namespace stays first, so ACLs and scans by namespace cover the locks too. */
  keyOf(key: string): string {
    return key.startsWith(this.namespaced) ? this.base + key.slice(this.namespaced.length) : this.base + key;
  }
}

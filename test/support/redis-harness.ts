import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { CacheMemoizeHealthIndicator } from '../../lib/index.js';
import { RedisCluster } from './redis-cluster.js';
import { RedisServer, waitFor } from './redis-server.js';

/** A Redis the suite may use, and how to let go of it. */
export interface RedisUnderTest {
  url: string;
  /** Stops a server this run started; leaves a shared one running. */
  release(): Promise<void>;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * The Redis of the Redis suites: `REDIS_URL`, else 127.0.0.1:6379, else a redis-server
 * started here. With none, the suite is skipped with a loud message, except under
 * `CI=true`, where that is a failure.
 */
export async function provideRedis(): Promise<RedisUnderTest | undefined> {
  const given = process.env.REDIS_URL;
  for (const url of given ? [given] : [DEFAULT_URL]) {
    if (await answers(url)) return { url, release: async () => undefined };
  }
  if (!given && hasRedisServer()) {
    const server = await RedisServer.start();
    return { url: server.url, release: () => server.stop() };
  }
  return unavailable(
    given ? `REDIS_URL=${given} does not answer` : `no Redis on ${DEFAULT_URL} and no redis-server on PATH`,
  );
}

/** A private 3-master Cluster, or the same loud skip (a failure under CI) without redis-server. */
export async function provideCluster(): Promise<RedisCluster | undefined> {
  if (hasRedisServer()) return RedisCluster.start();
  return unavailable('no redis-server on PATH to build a Cluster from');
}

/** For suites that start their own servers (faults, round trips). */
export function requireRedisServer(): boolean {
  if (hasRedisServer()) return true;
  unavailable('no redis-server on PATH');
  return false;
}

/** A key namespace no other run, app or test shares; nothing outside it is ever touched. */
export function uniqueNamespace(label: string): string {
  return `cmtest-${label}-${randomUUID().slice(0, 8)}`;
}

/** Deletes what a test run left under its namespace, with SCAN on each master: never KEYS or FLUSHDB. */
export async function dropNamespace(client: Redis | Cluster, namespace: string): Promise<void> {
  const nodes = client instanceof Cluster ? client.nodes('master') : [client];
  for (const node of nodes) {
    for (const pattern of [`${namespace}:*`, `{${namespace}:__marks}:*`]) {
      for await (const keys of node.scanStream({ match: pattern, count: 500 })) {
        for (const key of keys as string[]) await node.unlink(key);
      }
    }
  }
}

/**
 * Closes `app` once every Redis alias of it answers again: for a test that killed its Redis,
 * after bringing it back, so the close goes through QUIT as it does in production. (Closing
 * while Redis is down no longer leaves a socket or timer behind: see CLOSE_AT_ONCE in
 * redis-client.factory.ts and two-tier-lifecycle.spec.ts.)
 */
export async function closeWhenReconnected(app: INestApplicationContext): Promise<void> {
  const health = app.get(CacheMemoizeHealthIndicator);
  try {
    await waitFor(async () => (await health.isHealthy()).cache.status === 'up', "the app's Redis clients to reconnect");
  } finally {
    await app.close();
  }
}

function unavailable(reason: string): undefined {
  const message = `Redis suites cannot run: ${reason}. Set REDIS_URL, start Redis on 6379, or install redis-server.`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`\n${'!'.repeat(80)}\n!! SKIPPED: ${message}\n${'!'.repeat(80)}\n`);
  return undefined;
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

import { Redis } from 'ioredis';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other run or test uses, so the shared Redis is never touched outside it. */
export const RUN_PREFIX = `cm-bench-${process.pid}-${Date.now().toString(36)}`;

/** A connected client, or `undefined` (and why) when no Redis answers within a second. */
export async function connectRedis(): Promise<{ redis?: Redis; reason?: string }> {
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return { redis };
  } catch (error) {
    redis.disconnect();
    return { reason: `no Redis at ${REDIS_URL} (${(error as Error).message})` };
  }
}

import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { InvalidationService } from '../../../lib/index.js';
import { Catalog, Reports } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

/** What invalidation leaves in Redis: marks live no longer than the entries they could void. */
(redis ? describe : describe.skip)('the marks a Redis alias keeps', () => {
  const namespace = uniqueNamespace('marks');
  const marks = `{${namespace}:__marks}:default:`;
  let app: INestApplication;
  let client: Redis;
  let invalidation: InvalidationService;

  beforeAll(async () => {
    client = new Redis(redis!.url);
    app = await createApp(
      { providers: [Catalog, Reports] },
      { namespace, caches: { default: { store: 'redis', url: redis!.url } } },
    );
    invalidation = app.get(InvalidationService);
  });
  afterAll(async () => {
    await app.close();
    await dropNamespace(client, namespace);
    client.disconnect();
  });

  async function markKeys(): Promise<string[]> {
    const found: string[] = [];
    for await (const keys of client.scanStream({ match: `${marks}tag:*`, count: 1_000 })) found.push(...keys);
    return found;
  }

  it('leaves no key for a tag no entry carries', async () => {
    for (let i = 0; i < 1_000; i++) await invalidation.invalidateTags(`never-used:${i}`);
    expect(await markKeys()).toEqual([]);
  });

  it('keeps a tag mark as long as the longest entry it could void, not for days', async () => {
    await app.get(Catalog).book(1); // ttl 1m, tags book:1 and books
    await invalidation.invalidateTags('book:1');
    const ttl = await client.pttl(`${marks}tag:book:1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await app.get(Catalog).book(1)).toMatchObject({ version: 2 });
  });
});

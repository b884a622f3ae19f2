import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, type CacheMemoizeEvent } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { InMemoryOtel } from '../../support/otel-sdk.js';
import { provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';

/**
 * `cache_memoize.store.duration` counts store calls, not callers: a Redis read shared by
 * concurrent calls is timed once. On a two-tier alias the callers of one shared read each get
 * their own Promise (the local tier keeps what the read found), so each is timed.
 */
const redis = await provideRedis();
const otel = InMemoryOtel.register();
afterAll(async () => {
  await otel.shutdown();
  await redis?.release();
});

@Injectable()
class Quotes {
  calls = 0;

  @CacheMemoize('1h')
  async quote(id: number): Promise<number> {
    this.calls++;
    return id;
  }
}

(redis ? describe : describe.skip)('store timing on a two-tier alias', () => {
  const apps: INestApplication[] = [];
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('times a Redis read shared by concurrent local misses once', async () => {
    const namespace = uniqueNamespace('two-tier-timing');
    const events: CacheMemoizeEvent[] = [];
    const start = async (onEvent?: (event: CacheMemoizeEvent) => void) => {
      const app = await createApp(
        { providers: [Quotes] },
        { namespace, onEvent, caches: { default: { store: 'redis', url: redis!.url, local: { lease: '1s' } } } },
      );
      apps.push(app);
      return app.get(Quotes);
    };
    const reader = await start((event) => events.push(event));
    const writer = await start();
    await writer.quote(7); // stored by the other app: the reader has no local copy of it
    await waitFor(async () => {
      await reader.quote(8);
      return events.at(-1)?.tier === 'local';
    }, "the reader's lease");
    const gets = async () =>
      (await otel.points())
        .filter(
          (p) => p.name === 'cache_memoize.store.duration' && p.attributes['cache_memoize.store.operation'] === 'get',
        )
        .reduce((sum, p) => sum + p.value, 0);
    const before = await gets();
    events.length = 0;
    await Promise.all(Array.from({ length: 20 }, () => reader.quote(7)));
    expect(events.filter((e) => e.type === 'hit' && e.tier === 'remote')).toHaveLength(20);
    expect((await gets()) - before).toBe(1);
  });
});

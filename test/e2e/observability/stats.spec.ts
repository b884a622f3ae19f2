import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, CacheMemoizeStats } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { useFakeClock } from '../../fixtures/fake-clock.js';
import { SharedQuotes } from '../../fixtures/observed.service.js';
import { requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { waitFor } from '../../support/redis-server.js';

@Injectable()
class Feed {
  failing = false;
  runs = 0;

  @CacheMemoize({ ttl: '1m', refreshAfter: '10s' })
  async latest(): Promise<number> {
    this.runs++;
    if (this.failing) throw new Error('feed down');
    return this.runs;
  }
}

describe('CacheMemoizeStats.snapshot()', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('counts a failing background refresh as one error, not two', async () => {
    const clock = useFakeClock();
    try {
      app = await createApp({ providers: [Feed] });
      const feed = app.get(Feed);
      expect(await feed.latest()).toBe(1);
      clock.advance(11_000);
      feed.failing = true;
      expect(await feed.latest()).toBe(1); // served, and refreshed in the background
      await waitFor(() => feed.runs === 2, 'the background refresh');
      await waitFor(() => app!.get(CacheMemoizeStats).snapshot()['Feed.latest']!.errors > 0, 'the error to count');
      await new Promise((resolve) => setImmediate(resolve));
      expect(app.get(CacheMemoizeStats).snapshot()['Feed.latest']).toMatchObject({ hits: 1, misses: 1, errors: 1 });
    } finally {
      clock.restore();
    }
  });

  (requireRedisServer() ? it : it.skip)('counts every memory hit as local, and Redis hits as not local', async () => {
    app = await createApp(
      { providers: [Feed, SharedQuotes] },
      {
        namespace: uniqueNamespace('stats'),
        caches: { default: { store: 'memory' }, shared: { store: 'redis', url: 'redis://127.0.0.1:6379' } },
      },
    );
    await app.get(Feed).latest();
    await app.get(Feed).latest();
    await app.get(SharedQuotes).quote('a');
    await app.get(SharedQuotes).quote('a');
    await app.get(SharedQuotes).quote('a');
    const stats = app.get(CacheMemoizeStats).snapshot();
    expect(stats['Feed.latest']).toMatchObject({ cache: 'default', hits: 1, localHits: 1 });
    expect(stats['SharedQuotes.quote']).toMatchObject({ cache: 'shared', hits: 2, localHits: 0 });
  });
});

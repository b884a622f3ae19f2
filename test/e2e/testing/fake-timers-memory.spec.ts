import { jest } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheMemoize, CacheMemoizeModule, CacheMemoizeTimeoutError, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';

@Injectable()
class Feed {
  runs = 0;
  fail = false;

  @CacheMemoize({ ttl: '1m', refreshAfter: '30s' })
  async refreshing(): Promise<number> {
    return ++this.runs;
  }

  @CacheMemoize({ ttl: '1m', staleIfError: '1h' })
  async resilient(): Promise<number> {
    if (this.fail) throw new Error('backend down');
    return ++this.runs;
  }

  @CacheMemoize({ ttl: '1m', hardTimeout: '2s' })
  async slow(): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    return ++this.runs;
  }

  @CacheMemoize({ ttl: '1m', storeResult: false })
  async guard(): Promise<number> {
    return ++this.runs;
  }

  @CacheMemoize('1m')
  async plain(): Promise<number> {
    return ++this.runs;
  }
}

/** Lets pending promise callbacks (the background refresh) run under fake timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('memory alias under jest.useFakeTimers() (defaults: nextTick, queueMicrotask, setImmediate faked too)', () => {
  let app: INestApplication | TestingModule;
  afterEach(async () => {
    jest.useRealTimers();
    await app?.close();
  });

  it('creates, answers and closes an app entirely under the default fake timers', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    expect(await feed.plain()).toBe(1);
    expect(await feed.plain()).toBe(1);
    jest.advanceTimersByTime(61_000);
    expect(await feed.plain()).toBe(2);
  });

  it('refreshAfter: past it the old value is returned and one background recompute replaces it', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    expect(await feed.refreshing()).toBe(1);
    jest.advanceTimersByTime(31_000);
    expect(await feed.refreshing()).toBe(1); // stale-while-revalidate
    await settle();
    await jest.advanceTimersByTimeAsync(0);
    expect(await feed.refreshing()).toBe(2);
    expect(feed.runs).toBe(2);
  });

  it('staleIfError: past the ttl a failing recompute serves the old value', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    expect(await feed.resilient()).toBe(1);
    feed.fail = true;
    jest.advanceTimersByTime(61_000);
    expect(await feed.resilient()).toBe(1);
    feed.fail = false;
    expect(await feed.resilient()).toBe(2);
  });

  it('hardTimeout runs on the fake clock', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    const call = feed.slow();
    const seen = expect(call).rejects.toBeInstanceOf(CacheMemoizeTimeoutError);
    await jest.advanceTimersByTimeAsync(2_001);
    await seen;
  });

  it('guard mode: runs again once the fake clock passes the ttl', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    expect(await feed.guard()).toBe(1);
    expect(await feed.guard()).toBeUndefined();
    jest.advanceTimersByTime(61_000);
    expect(await feed.guard()).toBe(2);
  });

  it('invalidate resolves and takes effect under the default fake timers', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    expect(await feed.plain()).toBe(1);
    await app.get(InvalidationService).invalidate(Feed, 'plain');
    await app.get(InvalidationService).invalidateAll();
    expect(await feed.plain()).toBe(2);
  });

  it('a fake clock set back (setSystemTime in the past) does not keep entries alive forever', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    app = await createApp({ providers: [Feed] });
    const feed = app.get(Feed);
    expect(await feed.plain()).toBe(1);
    jest.setSystemTime(new Date('2025-01-01T00:00:00Z'));
    expect(await feed.plain()).toBe(1);
    jest.setSystemTime(new Date('2026-01-01T00:01:01Z'));
    expect(await feed.plain()).toBe(2);
  });

  it('compile()-only module under fake timers installed after compile', async () => {
    app = await Test.createTestingModule({ imports: [CacheMemoizeModule.forRoot()], providers: [Feed] }).compile();
    jest.useFakeTimers();
    const feed = app.get(Feed);
    expect(await feed.plain()).toBe(1);
    jest.advanceTimersByTime(59_000);
    expect(await feed.plain()).toBe(1);
    jest.advanceTimersByTime(2_000);
    expect(await feed.plain()).toBe(2);
  });
});

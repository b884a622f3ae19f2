import { Injectable, type INestApplication } from '@nestjs/common';
import {
  CacheConfigError,
  CacheMemoize,
  type CacheMemoizeEvent,
  type CacheMemoizeModuleOptions,
} from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

@Injectable()
class Feeds {
  calls = 0;

  @CacheMemoize({ ttl: () => Number.NaN })
  async nanTtl(): Promise<number> {
    return ++this.calls;
  }

  @CacheMemoize({ ttl: () => 1e20 })
  async endlessTtl(): Promise<number> {
    return ++this.calls;
  }

  @CacheMemoize({ ttl: '1m', tags: () => ['ok', 7] as unknown as string[] })
  async badTags(): Promise<number> {
    return ++this.calls;
  }
}

describe.each<CacheMemoizeModuleOptions['onStoreError']>(['bypass', 'throw'])(
  'a ttl or tags function answering garbage, with onStoreError: %s',
  (onStoreError) => {
    let app: INestApplication;
    let feeds: Feeds;
    let events: CacheMemoizeEvent[];

    beforeEach(async () => {
      events = [];
      app = await createApp({ providers: [Feeds] }, { onStoreError, onEvent: (event) => events.push(event) });
      feeds = app.get(Feeds);
    });
    afterEach(() => app.close());

    it.each([
      ['nanTtl', /The ttl function of Feeds\.nanTtl returned NaN, which is not a duration/],
      ['endlessTtl', /The ttl function of Feeds\.endlessTtl returned 100000000000000000000/],
      ['badTags', /The tags function of Feeds\.badTags returned \["ok",7\], not a list of non-empty strings/],
    ] as const)(
      '%s: the caller gets the result, uncached, and the mistake is a CacheConfigError naming the method',
      async (method, message) => {
        expect(await feeds[method]()).toBe(1);
        expect(await feeds[method]()).toBe(2);
        const errors = events.filter((event) => event.type === 'error');
        expect(errors).toHaveLength(2);
        for (const { error, className, methodName } of errors) {
          expect(error).toBeInstanceOf(CacheConfigError);
          expect((error as CacheConfigError).message).toMatch(message);
          expect(`${className}.${methodName}`).toBe(`Feeds.${method}`);
        }
        expect(events.filter((event) => event.type === 'bypass')).toEqual([]);
      },
    );
  },
);

import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { CacheMemoize, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

@Injectable()
class TwoCaches {
  runs = { a: 0, b: 0 };

  @CacheMemoize({ ttl: '1m', cache: 'a', tags: ['shared'] })
  async inA(): Promise<number> {
    return ++this.runs.a;
  }

  @CacheMemoize({ ttl: '1m', cache: 'b', tags: ['shared'] })
  async inB(): Promise<number> {
    return ++this.runs.b;
  }
}

(redis ? describe : describe.skip)('two Redis aliases on one server and namespace', () => {
  let app: INestApplication;
  let service: TwoCaches;
  const namespace = uniqueNamespace('aliases');

  beforeEach(async () => {
    const url = redis!.url;
    app = await createApp(
      { providers: [TwoCaches] },
      { namespace, defaultCache: 'a', caches: { a: { store: 'redis', url }, b: { store: 'redis', url } } },
    );
    service = app.get(TwoCaches);
    await service.inA();
    await service.inB();
  });
  afterEach(async () => {
    await app.close();
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    client.disconnect();
  });

  it('invalidate only the alias named', async () => {
    await app.get(InvalidationService).invalidateAll('b');
    await app.get(InvalidationService).invalidateTags('shared', 'b');
    await service.inA();
    await service.inB();
    expect(service.runs).toEqual({ a: 1, b: 2 });
  });

  it('both, when no alias is named', async () => {
    await app.get(InvalidationService).invalidateTags('shared');
    await service.inA();
    await service.inB();
    expect(service.runs).toEqual({ a: 2, b: 2 });
  });
});

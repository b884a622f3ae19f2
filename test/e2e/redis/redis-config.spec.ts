import { Redis } from 'ioredis';
import { CacheConfigError, type RedisCacheDefinition } from '../../../lib/index.js';
import { Catalog } from '../../fixtures/catalog.service.js';
import { createApp } from '../../fixtures/create-app.js';

/** Mistakes in a Redis alias stop the application at bootstrap, naming the alias, before any connection is opened. */
describe('a Redis alias that is wrong', () => {
  const boot = (definition: RedisCacheDefinition) =>
    createApp({ providers: [Catalog] }, { caches: { shared: definition }, defaultCache: 'shared' });

  it.each([
    [
      'a url that is not a Redis URL',
      { store: 'redis', url: 'http://127.0.0.1:6379' },
      /'shared' has url "http:\/\/127\.0\.0\.1:6379": give a Redis URL/,
    ],
    ['a url that is not a string', { store: 'redis', url: 6379 as unknown as string }, /'shared' has url 6379/],
    [
      'a redis option that is not an object',
      { store: 'redis', redis: 'localhost' as unknown as Redis },
      /'shared' has a redis option that is neither/,
    ],
    ['a ttl that is not a duration', { store: 'redis', ttl: '5 minutes' }, /cache alias 'shared' \(ttl\)/],
  ] as Array<[string, RedisCacheDefinition, RegExp]>)('rejects %s', async (_what, definition, message) => {
    const booting = boot(definition);
    await expect(booting).rejects.toThrow(CacheConfigError);
    await expect(booting).rejects.toThrow(message);
  });

  it('rejects a url given with a client, and leaves the client alone', async () => {
    const client = new Redis({ lazyConnect: true });
    await expect(boot({ store: 'redis', url: 'redis://127.0.0.1:6379', redis: client })).rejects.toThrow(
      /'shared' gives both a url and a Redis client/,
    );
    expect(client.status).toBe('wait');
  });
});

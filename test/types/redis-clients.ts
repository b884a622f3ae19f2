/**
 * Compile-time checks that a user's own ioredis client fits `{ store: 'redis', redis }`,
 * whichever major version the app installed (ioredis 6 is installed here as `ioredis6`).
 */
import { Cluster as Cluster5, Redis as Redis5 } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { CacheMemoizeModule, type CacheMemoizeModuleOptions, type RedisClient } from '../../lib/index.js';

export function withClients(): CacheMemoizeModuleOptions[] {
  const clients: RedisClient[] = [
    new Redis5({ lazyConnect: true }),
    new Cluster5([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true }),
    new Redis6({ lazyConnect: true }),
    new Cluster6([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true }),
  ];
  const options: CacheMemoizeModuleOptions[] = clients.map((redis) => ({
    caches: { shared: { store: 'redis', redis } },
  }));
  CacheMemoizeModule.forRoot({ caches: { v6: { store: 'redis', redis: new Redis6({ lazyConnect: true }) } } });
  CacheMemoizeModule.forRoot({ caches: { v5: { store: 'redis', redis: { host: '127.0.0.1', keyPrefix: 'x' } } } });
  // @ts-expect-error: neither options nor a client
  CacheMemoizeModule.forRoot({ caches: { bad: { store: 'redis', redis: 'redis://127.0.0.1' } } });
  return options;
}

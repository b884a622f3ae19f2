import { Injectable, type INestApplication } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { CacheMemoize, type CacheMemoizeModuleOptions, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { Gate } from '../fixtures/gate.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../support/redis-harness.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

@Injectable()
class Accounts {
  version = 1;
  readonly gate = new Gate();

  /** Reads the data first, then waits at the gate: a slow query that saw the old row. */
  @CacheMemoize('1h')
  async balance(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }
}

@Injectable()
class LockedAccounts {
  version = 1;
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h', lock: 'distributed' })
  async balance(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }
}

type Store = 'memory' | 'redis';
const stores: Store[] = redis ? ['memory', 'redis'] : ['memory'];

describe.each(stores)('a computation that started before an invalidate() or refresh(), on %s', (store) => {
  let app: INestApplication;
  let accounts: Accounts;
  let invalidation: InvalidationService;
  const namespace = uniqueNamespace('races');

  beforeEach(async () => {
    const options: CacheMemoizeModuleOptions =
      store === 'redis' ? { namespace, caches: { default: { store: 'redis', url: redis!.url } } } : {};
    app = await createApp({ providers: store === 'redis' ? [Accounts, LockedAccounts] : [Accounts] }, options);
    accounts = app.get(Accounts);
    invalidation = app.get(InvalidationService);
  });
  afterEach(async () => {
    await app.close();
    if (store === 'redis') {
      const client = new Redis(redis!.url);
      await dropNamespace(client, namespace);
      client.disconnect();
    }
  });

  it('cannot store its old result after invalidate(), and later calls do not join it', async () => {
    accounts.gate.close();
    const running = accounts.balance(1);
    await accounts.gate.whenReached();
    accounts.version = 2;
    await invalidation.invalidate(Accounts, 'balance', 1);
    accounts.gate.openUp();
    expect(await accounts.balance(1)).toBe(2);
    expect(await running).toBe(1);
    expect(await accounts.balance(1)).toBe(2);
  });

  it('cannot overwrite what refresh() stored', async () => {
    accounts.gate.close();
    const running = accounts.balance(7);
    await accounts.gate.whenReached();
    accounts.version = 2;
    expect(await invalidation.refresh(Accounts, 'balance', 7)).toBe(2);
    accounts.gate.openUp();
    expect(await running).toBe(1);
    expect(await accounts.balance(7)).toBe(2);
  });

  if (store === 'redis') {
    it('does not stand in for a refresh() with lock: distributed', async () => {
      const locked = app.get(LockedAccounts);
      locked.gate.close();
      const running = locked.balance(1);
      await locked.gate.whenReached();
      locked.version = 2;
      const refreshed = invalidation.refresh(LockedAccounts, 'balance', 1);
      await sleep(50); // the refresh is waiting for the running query's lock
      locked.gate.openUp();
      expect(await refreshed).toBe(2);
      await running;
      expect(await locked.balance(1)).toBe(2);
    });
  }
});

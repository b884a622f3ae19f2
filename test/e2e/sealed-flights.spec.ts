import { Injectable, type INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { CacheMemoize, type CacheMemoizeModuleOptions, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { Gate } from '../fixtures/gate.js';
import { dropNamespace, provideRedis, uniqueNamespace } from '../support/redis-harness.js';

/**
 * Callers that join an execution which cannot hand them its result (sealed before they came,
 * or refused by the store) read the store again. These suites check what that costs the
 * backend, and that a result that never went through the store is not handed out either.
 */
const redis = await provideRedis();
afterAll(() => redis?.release());

@Injectable()
class Backend {
  calls = 0;
  failing = false;
  exists = false;
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h', lock: 'process' })
  async inProcess(id: number): Promise<number> {
    return this.query(id);
  }

  @CacheMemoize({ ttl: '1h', lock: 'distributed' })
  async distributed(id: number): Promise<number> {
    return this.query(id);
  }

  /** A lookup that is not cached while the row is missing (a common use of `unless`). */
  @CacheMemoize({ ttl: '1h', unless: ({ result }) => result === null })
  async found(id: number): Promise<number | null> {
    const exists = this.exists;
    this.calls++;
    await this.gate.pass();
    return exists ? id : null;
  }

  /** A hot key whose row changes all the time: every computation is overtaken by an invalidation. */
  @CacheMemoize({ ttl: '1h', tags: ['churn'] })
  async churned(id: number): Promise<number> {
    this.calls++;
    await sleep(30);
    return id;
  }

  private async query(id: number): Promise<number> {
    this.calls++;
    await this.gate.pass();
    if (this.failing) throw new Error('backend down');
    return id;
  }
}

(redis ? describe : describe.skip)('joiners of a sealed or refused execution', () => {
  const namespace = uniqueNamespace('sealed');
  const apps: INestApplication[] = [];

  async function start(): Promise<{ backend: Backend; invalidation: InvalidationService }> {
    const options: CacheMemoizeModuleOptions = { namespace, caches: { default: { store: 'redis', url: redis!.url } } };
    const app = await createApp({ providers: [Backend] }, options);
    apps.push(app);
    return { backend: app.get(Backend), invalidation: app.get(InvalidationService) };
  }

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    const client = new Redis(redis!.url);
    await dropNamespace(client, namespace);
    client.disconnect();
  });

  /** One call runs and waits at the gate; four more arrive meanwhile; then the method throws. */
  async function burstAgainstFailure(backend: Backend, method: 'inProcess' | 'distributed') {
    backend.failing = true;
    backend.gate.close();
    const first = backend[method](1);
    await backend.gate.whenReached();
    const later = [2, 3, 4, 5].map(() => backend[method](1));
    await sleep(50); // they have all joined by now
    backend.gate.openUp();
    const settled = await Promise.allSettled([first, ...later]);
    return settled.map((result) => (result.status === 'rejected' ? (result.reason as Error).message : 'value'));
  }

  it("with lock: 'process', callers arriving while the method runs share its error: it runs once", async () => {
    const { backend } = await start();
    expect(await burstAgainstFailure(backend, 'inProcess')).toEqual(Array(5).fill('backend down'));
    expect(backend.calls).toBe(1);
  });

  // The execution is sealed when, holding the lock, it first looks for an entry another process
  // stored (before the method runs): the callers arriving after that do not share its error; they
  // read the store again, find nothing, and run the method a second time (all of them join that one).
  it("with lock: 'distributed', callers arriving while the method runs share its error: it runs once", async () => {
    const { backend } = await start();
    expect(await burstAgainstFailure(backend, 'distributed')).toEqual(Array(5).fill('backend down'));
    expect(backend.calls).toBe(1);
  });

  // Every computation is refused (an invalidation overtakes it). A caller that joined one reads
  // the store, misses, and joins the next: when that one is refused too, it goes round again, so
  // only one caller gets out per round and the method runs once per caller, one after the other.
  it('callers of a key invalidated all the time do not each run the method in turn', async () => {
    const { backend, invalidation } = await start();
    const churn = setInterval(() => void invalidation.invalidateTags('churn').catch(() => undefined), 5);
    try {
      const started = performance.now();
      const values = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => backend.churned(1)));
      const elapsed = performance.now() - started;
      expect(values).toEqual(Array(8).fill(1));
      // A caller's result may come from any computation that began after it arrived: two suffice.
      expect(backend.calls).toBeLessThanOrEqual(2);
      expect(elapsed).toBeLessThan(8 * 30);
    } finally {
      clearInterval(churn);
    }
  });

  // A result `unless` keeps out of the store is never checked against the marks: a caller that
  // joins its execution after another application's invalidation resolved must not take it.
  it('a caller joining after another application created the row and invalidated does not get "not found"', async () => {
    const reader = await start();
    const writer = await start();
    reader.backend.gate.close();
    const running = reader.backend.found(1);
    await reader.backend.gate.whenReached();
    reader.backend.exists = true;
    writer.backend.exists = true;
    await writer.invalidation.invalidatePrefix('Backend.found');
    const after = reader.backend.found(1); // starts after the invalidation resolved
    await sleep(50); // it has missed in Redis and joined the running execution by now
    reader.backend.gate.openUp();
    expect(await running).toBeNull();
    expect(await after).toBe(1);
  });
});

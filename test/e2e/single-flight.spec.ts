import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Injectable()
class Backend {
  executions = 0;

  @CacheMemoize('1m')
  async load(id: number): Promise<string> {
    this.executions++;
    await sleep(20);
    return `value-${id}`;
  }

  @CacheMemoize('1m')
  async failing(id: number): Promise<string> {
    this.executions++;
    await sleep(20);
    throw new Error(`backend failed for ${id}`);
  }

  @CacheMemoize({ ttl: '1m', lock: false })
  async unlocked(id: number): Promise<string> {
    this.executions++;
    await sleep(20);
    return `value-${id}`;
  }

  @CacheMemoize(200)
  async dogpiled(): Promise<number> {
    this.executions++;
    await sleep(10);
    return this.executions;
  }
}

describe('concurrent misses (lock: process)', () => {
  let app: INestApplication;
  let backend: Backend;

  beforeEach(async () => {
    app = await createApp({ providers: [Backend] });
    backend = app.get(Backend);
  });
  afterEach(() => app.close());

  it('share one execution: 1,000 concurrent calls on a cold key run the method once', async () => {
    const results = await Promise.all(Array.from({ length: 1_000 }, () => backend.load(1)));
    expect(backend.executions).toBe(1);
    expect(new Set(results)).toEqual(new Set(['value-1']));
  });

  it('give every waiter the error of the one execution, and the next call runs again', async () => {
    const settled = await Promise.allSettled(Array.from({ length: 1_000 }, () => backend.failing(1)));
    expect(backend.executions).toBe(1);
    expect(settled.every((s) => s.status === 'rejected' && s.reason.message === 'backend failed for 1')).toBe(true);
    await expect(backend.failing(1)).rejects.toThrow('backend failed for 1');
    expect(backend.executions).toBe(2);
  });

  it('run once per key, not once in all', async () => {
    await Promise.all([1, 2, 3].flatMap((id) => Array.from({ length: 10 }, () => backend.load(id))));
    expect(backend.executions).toBe(3);
  });

  it('each run the method with lock: false', async () => {
    await Promise.all(Array.from({ length: 5 }, () => backend.unlocked(1)));
    expect(backend.executions).toBe(5);
  });

  it("hold py-memoize's dog-piling scenario to the ttl's prediction", async () => {
    // ttl 200 ms, batches of 5 concurrent calls, 50 batches 70 ms apart (py-memoize README).
    const started = Date.now();
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 5 }, () => backend.dogpiled()));
      await sleep(70);
    }
    const predicted = Math.ceil((Date.now() - started) / 200);
    process.stdout.write(`dog-piling: ${backend.executions} executions, ${predicted} predicted by the ttl\n`);
    // Without single-flight every batch that meets an expired entry runs 5 times.
    expect(backend.executions).toBeLessThanOrEqual(predicted + 1);
    expect(backend.executions).toBeGreaterThanOrEqual(Math.floor((50 * 70) / 200));
  });
});

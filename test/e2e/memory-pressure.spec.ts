import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { Gate } from '../fixtures/gate.js';

@Injectable()
class Stock {
  version = 1;
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h', tags: ({ args }) => [`item:${args[0]}`] })
  async level(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }

  @CacheMemoize('1h')
  async filler(id: number): Promise<number> {
    return id;
  }
}

describe('a memory alias under LRU pressure (max: 10)', () => {
  let app: INestApplication;
  let stock: Stock;
  let invalidation: InvalidationService;

  beforeEach(async () => {
    app = await createApp({ providers: [Stock] }, { caches: { default: { store: 'memory', max: 10 } } });
    stock = app.get(Stock);
    invalidation = app.get(InvalidationService);
  });
  afterEach(() => app.close());

  it('does not let a computation that began before invalidate() store its result once the tombstone is evicted', async () => {
    for (let trial = 1; trial <= 20; trial++) {
      stock.gate.close();
      const running = stock.level(trial);
      await stock.gate.whenReached();
      stock.version++;
      await invalidation.invalidate(Stock, 'level', trial);
      for (let i = 0; i < 30; i++) await stock.filler(trial * 100 + i); // pushes the tombstone out
      stock.gate.openUp();
      await running;
      expect(await stock.level(trial)).toBe(stock.version);
    }
  });

  it('does not revive an entry whose tag mark was dropped to keep the marks bounded', async () => {
    expect(await stock.level(1)).toBe(1);
    stock.version = 2;
    await invalidation.invalidateTags('item:1');
    // Far more distinct tags than the alias keeps marks for (max(1,024, max)).
    for (let i = 0; i < 5_000; i++) await invalidation.invalidateTags(`unrelated:${i}`);
    expect(await stock.level(1)).toBe(2);
  });
});

import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';
import { Gate } from '../fixtures/gate.js';

/**
 * What a memory alias remembers of an invalidation once the key or the mark that carried it
 * is gone. A tombstone replaced by a later entry, which then went (pushed out of the LRU, or
 * expired), left the key empty with nothing to keep an older computation out; and a mark
 * pruned for being older than the longest-lived entry did not cover a computation still
 * running, which began before it. Found by a hostile review; each failed 6 of 6 before the fix.
 */
@Injectable()
class Stock {
  version = 1;
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h' })
  async level(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }

  fail = false;

  // The post-invalidate value lives 20 ms; everything else an hour.
  @CacheMemoize({ ttl: ({ result }) => (result === 2 ? 20 : 3_600_000) })
  async shortLived(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    if (this.fail) throw new Error('backend down');
    return version;
  }

  // Every entry of the alias lives 20 ms, so the alias's longest life is 20 ms.
  @CacheMemoize({ ttl: 20, tags: ['stock'] })
  async tagged(id: number): Promise<number> {
    const version = this.version;
    await this.gate.pass();
    return version;
  }

  @CacheMemoize('1h')
  async filler(id: number): Promise<number> {
    return id;
  }
}

describe('a memory alias (max: 10): a tombstone replaced then the replacement evicted', () => {
  let app: INestApplication;
  let stock: Stock;
  let invalidation: InvalidationService;

  beforeEach(async () => {
    app = await createApp({ providers: [Stock] }, { caches: { default: { store: 'memory', max: 10 } } });
    stock = app.get(Stock);
    invalidation = app.get(InvalidationService);
  });
  afterEach(() => app.close());

  it('does not store a pre-invalidate computation once a later entry replaced the tombstone and was evicted', async () => {
    stock.gate.close();
    const running = stock.level(1); // F: began before invalidate, reads version 1
    await stock.gate.whenReached();
    stock.version = 2;
    await invalidation.invalidate(Stock, 'level', 1); // tombstone
    expect(await stock.level(1)).toBe(2); // G: replaces the tombstone (dispose reason 'set')
    for (let i = 0; i < 30; i++) await stock.filler(100 + i); // pushes G's entry out (not a tombstone)
    stock.gate.openUp();
    await running; // F lands on an empty key: deletedUpTo was never raised
    expect(await stock.level(1)).toBe(2);
  });
});

describe('a memory alias (default max): a tombstone replaced by an entry that expires', () => {
  let app: INestApplication;
  let stock: Stock;
  let invalidation: InvalidationService;

  beforeEach(async () => {
    app = await createApp({ providers: [Stock] });
    stock = app.get(Stock);
    invalidation = app.get(InvalidationService);
  });
  afterEach(() => app.close());

  it('does not store a pre-invalidate computation on a key whose post-invalidate entry expired', async () => {
    stock.gate.close();
    const running = stock.shortLived(1); // F: began before invalidate, reads version 1
    await stock.gate.whenReached();
    stock.version = 2;
    await invalidation.invalidate(Stock, 'shortLived', 1); // tombstone
    expect(await stock.shortLived(1)).toBe(2); // G: replaces the tombstone, ttl 20 ms
    await new Promise((resolve) => setTimeout(resolve, 60));
    stock.fail = true;
    await expect(stock.shortLived(1)).rejects.toThrow('backend down'); // get() drops G's expired entry; nothing stored
    stock.fail = false;
    stock.gate.openUp();
    await running; // F lands on an empty key
    expect(await stock.shortLived(1)).toBe(2);
  });
});

describe('a memory alias (max: 10): a tag mark pruned while a computation it voids is still running', () => {
  let app: INestApplication;
  let stock: Stock;
  let invalidation: InvalidationService;

  beforeEach(async () => {
    app = await createApp({ providers: [Stock] }, { caches: { default: { store: 'memory', max: 10 } } }); // marks kept: 1,024
    stock = app.get(Stock);
    invalidation = app.get(InvalidationService);
  });
  afterEach(() => app.close());

  it('does not store a computation that began before invalidateTags once the mark aged past the longest ttl', async () => {
    expect(await stock.tagged(0)).toBe(1); // longestLife = 20 ms
    stock.gate.close();
    const running = stock.tagged(1); // F: began before invalidateTags, reads version 1
    await stock.gate.whenReached();
    stock.version = 2;
    await invalidation.invalidateTags('stock');
    await new Promise((resolve) => setTimeout(resolve, 60)); // the mark is now older than every entry's life
    for (let i = 0; i < 1_023; i++) await invalidation.invalidateTags(`unrelated:${i}`); // the 1,024th mark: prune() drops 'tag:stock' (older than 20 ms) without raising voidedUpTo
    stock.gate.openUp();
    expect(await running).toBe(1); // its own caller started before: fine
    expect(await stock.tagged(1)).toBe(2); // a call after invalidateTags resolved
  });
});

import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheMemoize, CacheMemoizeModule, InvalidationService } from '../../../lib/index.js';

let runs = 0;

@Injectable()
class Inventory {
  @CacheMemoize('1m')
  async stock(sku: string): Promise<number> {
    return ++runs;
  }
}

/** App code: after a sale, drops the memoized stock, as the README's Invalidation section shows. */
@Injectable()
class Orders {
  constructor(
    private readonly inventory: Inventory,
    private readonly invalidation: InvalidationService,
  ) {}

  async sell(sku: string): Promise<number> {
    await this.invalidation.invalidate(Inventory, 'stock', sku);
    return this.inventory.stock(sku);
  }
}

describe('a spec that overrides the memoized provider with a mock (the usual Nest unit test)', () => {
  beforeEach(() => (runs = 0));

  it('says, when the code under test invalidates the mocked Inventory, to turn the cache off in such a spec', async () => {
    const stock = jest.fn(async (_sku: string) => 7);
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Orders, Inventory],
    })
      .overrideProvider(Inventory)
      .useValue({ stock })
      .compile();
    try {
      await expect(moduleRef.get(Orders).sell('a')).rejects.toThrow(
        /Inventory\.stock .*carries @CacheMemoize, but no provider of this application is an instance of its class.*forRoot\(\{ enabled: false \}\)/,
      );
    } finally {
      await moduleRef.close();
    }
  });

  it('same with enabled: false ("InvalidationService resolve[s] at once")', async () => {
    const stock = jest.fn(async (_sku: string) => 7);
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot({ enabled: false })],
      providers: [Orders, Inventory],
    })
      .overrideProvider(Inventory)
      .useValue({ stock })
      .compile();
    try {
      await expect(moduleRef.get(Orders).sell('a')).resolves.toBe(7);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('one decorated class registered under two tokens', () => {
  beforeEach(() => (runs = 0));

  it('memoizes both instances, and InvalidationService reaches both', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Inventory, { provide: 'LEGACY_INVENTORY', useClass: Inventory }],
    }).compile();
    try {
      const main = moduleRef.get(Inventory);
      const legacy = moduleRef.get<Inventory>('LEGACY_INVENTORY');
      expect(main).not.toBe(legacy);
      expect(await main.stock('a')).toBe(1);
      expect(await legacy.stock('a')).toBe(1);
      await moduleRef.get(InvalidationService).invalidate(Inventory, 'stock', 'a');
      expect(await legacy.stock('a')).toBe(2);
      expect(await main.stock('a')).toBe(2);
    } finally {
      await moduleRef.close();
    }
  });
});

import { Injectable, Module } from '@nestjs/common';
import { LazyModuleLoader } from '@nestjs/core';
import { CacheMemoize } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';

let runs = 0;
beforeEach(() => (runs = 0));

// --- 1. A good provider loaded in the same lazy module as a misconfigured one ---
@Injectable()
class BrokenLazy {
  @CacheMemoize({ ttl: 'soonish' })
  async daily(n: number): Promise<string> {
    return `b${n}`;
  }
}
@Injectable()
class GoodLazy {
  @CacheMemoize('1m')
  async daily(n: number): Promise<string> {
    return `g${n}-${++runs}`;
  }
}
@Module({ providers: [BrokenLazy, GoodLazy] })
class MixedLazyModule {}

describe('a correct provider loaded lazily next to a misconfigured one', () => {
  it("is memoized and never handed the other provider's configuration error", async () => {
    const app = await createApp({});
    try {
      const lazy = await app.get(LazyModuleLoader).load(() => MixedLazyModule);
      const good = lazy.get(GoodLazy);
      // GoodLazy is configured correctly: its first calls must work and be memoized.
      expect(await good.daily(1)).toBe('g1-1');
      expect(await good.daily(1)).toBe('g1-1');
    } finally {
      await app.close();
    }
  });
});

// --- 2. A lazy provider that calls its memoized method from its constructor ---
@Injectable()
class WarmingLazy {
  constructor() {
    void this.daily(0); // warm-up at construction
  }
  @CacheMemoize('1m')
  async daily(n: number): Promise<string> {
    return `w${n}-${++runs}`;
  }
}
@Module({ providers: [WarmingLazy] })
class WarmingLazyModule {}

describe('a lazy provider whose constructor calls its memoized method', () => {
  it('is memoized once constructed', async () => {
    const app = await createApp({});
    try {
      const lazy = await app.get(LazyModuleLoader).load(() => WarmingLazyModule);
      const warming = lazy.get(WarmingLazy);
      runs = 0;
      expect(await warming.daily(1)).toBe('w1-1');
      expect(await warming.daily(1)).toBe('w1-1');
    } finally {
      await app.close();
    }
  });
});

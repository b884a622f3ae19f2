import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheMemoize,
  CacheMemoizeModule,
  InvalidationService,
  type CacheMemoizeModuleOptions,
} from '../../lib/index.js';

@Injectable()
class Prices {
  @CacheMemoize()
  async price(id: number): Promise<number> {
    return id * 10;
  }
}

/** Settings as a class, each option a getter, as config classes are often written. */
class CacheSettings {
  get namespace(): string {
    return 'settings-class';
  }
}

async function appWith(options: CacheMemoizeModuleOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheMemoizeModule.forRoot(options)],
    providers: [Prices],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('forRoot options that are not plain own fields', () => {
  it('reads an option inherited from a defaults object instead of dropping it', async () => {
    const app = await appWith(Object.create({ namespace: 'inherited' }) as CacheMemoizeModuleOptions);
    try {
      expect(app.get(InvalidationService).keyFor(Prices, 'price', 1)).toBe('inherited:Prices.price:1');
    } finally {
      await app.close();
    }
  });

  it('reads an option held by a getter of a settings class instead of dropping it', async () => {
    const app = await appWith(new CacheSettings());
    try {
      expect(app.get(InvalidationService).keyFor(Prices, 'price', 1)).toBe('settings-class:Prices.price:1');
    } finally {
      await app.close();
    }
  });

  it('still reports an unknown own field of a settings class', async () => {
    const settings = Object.assign(new CacheSettings(), { namspace: 'typo' });
    await expect(appWith(settings)).rejects.toThrow(CacheConfigError);
  });

  it('a defaultCache naming an inherited property (toString) is reported under its own name', async () => {
    const failure = appWith({ defaultCache: 'toString' });
    await expect(failure).rejects.toThrow(CacheConfigError);
    await expect(failure).rejects.toThrow(/'toString'/);
  });
});

import { Inject, Injectable, type INestApplication, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheMemoize, CacheMemoizeModule, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

let computed = 0;

@Injectable({ scope: Scope.REQUEST })
class RequestScoped {
  @CacheMemoize('1m')
  async load(id: number): Promise<string> {
    return `request-${id}-${++computed}`;
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class Transient {
  @CacheMemoize('1m')
  async load(id: number): Promise<string> {
    return `transient-${id}-${++computed}`;
  }
}

@Injectable()
class UsesTransient {
  constructor(readonly transient: Transient) {}
}

@Injectable()
class AlsoUsesTransient {
  constructor(readonly transient: Transient) {}
}

@Injectable()
class Pricing {
  @CacheMemoize('1m')
  async base(sku: string): Promise<number> {
    return ++computed;
  }

  @CacheMemoize('1m')
  async withTax(sku: string): Promise<number> {
    return (await this.base(sku)) * 100 + ++computed;
  }
}

@Injectable()
class Repository {
  @CacheMemoize('1m')
  async find(id: number): Promise<string> {
    return `${this.constructor.name}-${id}-${++computed}`;
  }
}

@Injectable()
class UserRepository extends Repository {}

describe('wiring through Nest DI', () => {
  let app: INestApplication;

  beforeEach(async () => {
    computed = 0;
    app = await createApp({
      providers: [RequestScoped, Transient, UsesTransient, AlsoUsesTransient, Pricing, Repository, UserRepository],
    });
  });
  afterEach(() => app.close());

  it('memoizes request-scoped providers across requests', async () => {
    const first = await app.resolve(RequestScoped);
    const second = await app.resolve(RequestScoped);
    expect(first).not.toBe(second);
    expect(await first.load(1)).toBe('request-1-1');
    expect(await second.load(1)).toBe('request-1-1');
    await app.get(InvalidationService).invalidate(RequestScoped, 'load', 1);
    expect(await second.load(1)).toBe('request-1-2');
  });

  it('memoizes transient providers, shared by every instance', async () => {
    const a = app.get(UsesTransient).transient;
    const b = app.get(AlsoUsesTransient).transient;
    expect(a).not.toBe(b);
    expect(await a.load(1)).toBe('transient-1-1');
    expect(await b.load(1)).toBe('transient-1-1');
  });

  it('memoizes a method called by another memoized method on this', async () => {
    const pricing = app.get(Pricing);
    expect(await pricing.withTax('a')).toBe(102);
    expect(await pricing.base('a')).toBe(1);
    await app.get(InvalidationService).invalidate(Pricing, 'withTax', 'a');
    expect(await pricing.withTax('a')).toBe(103);
  });

  it('memoizes inherited methods per subclass', async () => {
    expect(await app.get(Repository).find(1)).toBe('Repository-1-1');
    expect(await app.get(UserRepository).find(1)).toBe('UserRepository-1-2');
    expect(await app.get(UserRepository).find(1)).toBe('UserRepository-1-2');
    expect(app.get(InvalidationService).keyFor(UserRepository, 'find', 1)).toBe('UserRepository.find:1');
  });

  it('runs the original method on an instance Nest did not create', async () => {
    const manual = new Repository();
    expect(await manual.find(1)).toBe('Repository-1-1');
    expect(await manual.find(1)).toBe('Repository-1-2');
  });

  it('keeps the transient providers of two applications in one process apart', async () => {
    const other = await createApp({ providers: [Transient, UsesTransient] });
    const mine = app.get(UsesTransient).transient;
    const theirs = other.get(UsesTransient).transient;
    expect(await mine.load(1)).toBe('transient-1-1');
    expect(await theirs.load(1)).toBe('transient-1-2');
    await other.close();
    expect(await mine.load(1)).toBe('transient-1-1');
    expect(await app.get(InvalidationService).peek(Transient, 'load', 1)).toBe('transient-1-1');
  });

  it('keeps two applications in one process apart', async () => {
    const other = await createApp({ providers: [Repository] });
    try {
      expect(await app.get(Repository).find(1)).toBe('Repository-1-1');
      expect(await other.get(Repository).find(1)).toBe('Repository-1-2');
      await other.get(InvalidationService).invalidateAll();
      expect(await app.get(Repository).find(1)).toBe('Repository-1-1');
      expect(await other.get(Repository).find(1)).toBe('Repository-1-3');
    } finally {
      await other.close();
    }
  });
});

describe('isGlobal: false', () => {
  @Injectable()
  class NeedsInvalidation {
    constructor(@Inject(InvalidationService) readonly invalidation: InvalidationService) {}
  }

  @Module({ providers: [NeedsInvalidation] })
  class FeatureWithoutImport {}

  it('keeps the services out of modules that do not import the module', async () => {
    const build = Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot({ isGlobal: false }), FeatureWithoutImport],
    }).compile();
    await expect(build).rejects.toThrow(/InvalidationService/);
  });
});

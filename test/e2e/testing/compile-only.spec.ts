import { jest } from '@jest/globals';
import { Controller, Get, Injectable, type OnModuleInit, UseInterceptors } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import request from 'supertest';
import {
  CacheInvalidate,
  CacheMemoize,
  CacheMemoizeInterceptor,
  CacheMemoizeModule,
  CacheMemoizeStats,
  InvalidationService,
} from '../../../lib/index.js';

@Injectable()
class Books {
  runs = 0;

  @CacheMemoize({ ttl: '1m', tags: ['books'] })
  async list(): Promise<number> {
    return ++this.runs;
  }

  @CacheInvalidate({ tags: ['books'] })
  async add(): Promise<void> {}
}

@Injectable()
class UsesBooks {
  constructor(readonly books: Books) {}
}

/** Most Nest specs stop at compile(): no init(), so no onModuleInit. */
async function compileOnly(options = {}): Promise<TestingModule> {
  return Test.createTestingModule({
    imports: [CacheMemoizeModule.forRoot(options)],
    providers: [Books, UsesBooks],
  }).compile();
}

describe('after compile() alone, as most Nest specs are written', () => {
  let moduleRef: TestingModule;
  beforeEach(async () => (moduleRef = await compileOnly()));
  afterEach(() => moduleRef.close());

  it('memoizes, and counts the hit in CacheMemoizeStats', async () => {
    const books = moduleRef.get(Books);
    expect(await books.list()).toBe(1);
    expect(await moduleRef.get(UsesBooks).books.list()).toBe(1);
    expect(moduleRef.get(CacheMemoizeStats).snapshot()['Books.list']).toMatchObject({ hits: 1, misses: 1 });
  });

  it('runs @CacheInvalidate and InvalidationService', async () => {
    const books = moduleRef.get(Books);
    await books.list();
    await books.add();
    expect(await books.list()).toBe(2);
    await moduleRef.get(InvalidationService).invalidate(Books, 'list');
    expect(await books.list()).toBe(3);
  });

  it('lets InvalidationService find the methods before any of them was called', async () => {
    expect(moduleRef.get(InvalidationService).keyFor(Books, 'list')).toBe('Books.list:');
    expect(Object.keys(moduleRef.get(CacheMemoizeStats).snapshot())).toEqual(['Books.list']);
  });
});

describe('an application whose bootstrap failed', () => {
  @Injectable()
  class Misconfigured {
    @CacheMemoize({ ttl: 'soon' })
    async load(): Promise<number> {
      return 1;
    }
  }

  @Injectable()
  class AlsoMisconfigured {
    @CacheMemoize({ ttl: 'later' })
    async load(): Promise<number> {
      return 1;
    }
  }

  it('raises its error once, and never into calls of other applications', async () => {
    const broken = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Misconfigured, AlsoMisconfigured],
    }).compile();
    await expect(broken.createNestApplication({ logger: false }).init()).rejects.toThrow(/Misconfigured\.load/);

    const healthy = await compileOnly();
    try {
      const books = healthy.get(Books);
      expect([await books.list(), await books.list()]).toEqual([1, 1]);
      expect(await new Books().list()).toBe(1);
    } finally {
      await healthy.close();
    }
  });
});

describe('fake timers and ttl', () => {
  afterEach(() => jest.useRealTimers());

  it('expire a memory entry when the clock is moved past its ttl', async () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const moduleRef = await compileOnly();
    try {
      const books = moduleRef.get(Books);
      expect(await books.list()).toBe(1);
      jest.setSystemTime(Date.now() + 59_000);
      expect(await books.list()).toBe(1);
      jest.setSystemTime(Date.now() + 2_000);
      expect(await books.list()).toBe(2);
    } finally {
      await moduleRef.close();
    }
  });
});

describe('an app that calls a memoized method in its own onModuleInit', () => {
  @Injectable()
  class Warmer implements OnModuleInit {
    constructor(private readonly books: Books) {}
    async onModuleInit(): Promise<void> {
      await this.books.list();
    }
  }

  it('is memoized already, whichever module initialises first', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Books, Warmer],
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    try {
      expect(await app.get(Books).list()).toBe(1);
    } finally {
      await app.close();
    }
  });
});

@Controller('books')
@UseInterceptors(CacheMemoizeInterceptor)
class BooksController {
  runs = 0;

  @Get()
  @CacheMemoize('1m')
  async list(): Promise<{ run: number }> {
    return { run: ++this.runs };
  }
}

describe('enabled: false', () => {
  let moduleRef: TestingModule;
  beforeEach(async () => (moduleRef = await compileOnly({ enabled: false })));
  afterEach(() => moduleRef.close());

  it('runs the method on every call, concurrent ones included', async () => {
    const books = moduleRef.get(Books);
    expect(await books.list()).toBe(1);
    expect(await books.list()).toBe(2);
    expect(await Promise.all([books.list(), books.list()])).toEqual([3, 4]);
  });

  it('keeps InvalidationService injectable, and its calls resolve at once', async () => {
    const invalidation = moduleRef.get(InvalidationService);
    await invalidation.invalidateTags('books');
    await invalidation.invalidatePrefix('Books');
    await invalidation.invalidateAll();
    await invalidation.invalidate(Books, 'list');
    expect(await invalidation.peek(Books, 'list')).toBeUndefined();
    expect(await invalidation.refresh(Books, 'list')).toBe(1);
    expect(await invalidation.peek(Books, 'list')).toBeUndefined();
    await moduleRef.get(Books).add();
  });

  it('opens no connection for a Redis alias', async () => {
    const started = performance.now();
    const ref = await compileOnly({
      enabled: false,
      storeTimeout: 50,
      caches: { default: { store: 'redis', url: 'redis://127.0.0.1:1' } },
    });
    const books = ref.get(Books);
    expect([await books.list(), await books.list()]).toEqual([1, 2]);
    await ref.get(InvalidationService).invalidateTags('books');
    await ref.close();
    // Nothing listens on port 1: any store call would have failed or timed out, and logged.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('lets every request through the interceptor', async () => {
    const ref = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot({ enabled: false })],
      controllers: [BooksController],
    }).compile();
    const app = await ref.createNestApplication({ logger: false }).init();
    try {
      const first = await request(app.getHttpServer()).get('/books').expect(200);
      const second = await request(app.getHttpServer()).get('/books').expect(200);
      expect([first.body.run, second.body.run]).toEqual([1, 2]);
      expect(second.headers['x-cache']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('still refuses bad options at bootstrap', async () => {
    @Injectable()
    class Broken {
      @CacheMemoize({ ttl: 'soon' })
      async load(): Promise<number> {
        return 1;
      }
    }
    const ref = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot({ enabled: false })],
      providers: [Broken],
    }).compile();
    await expect(ref.createNestApplication({ logger: false }).init()).rejects.toThrow(/Broken\.load \(ttl\)/);
  });

  it('must be a boolean', async () => {
    await expect(compileOnly({ enabled: 'no' })).rejects.toThrow(/forRoot\(\{ enabled \}\) is "no"/);
  });
});

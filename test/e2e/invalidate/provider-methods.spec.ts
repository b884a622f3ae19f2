import { jest } from '@jest/globals';
import { Injectable, type INestApplication, Logger, Scope } from '@nestjs/common';
import { defer, delay, from, Observable, of, throwError } from 'rxjs';
import {
  CacheInvalidate,
  CacheMemoize,
  type CacheMemoizeEvent,
  CacheStoreError,
  type CacheMemoizeModuleOptions,
  InvalidationService,
} from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import {
  closeWhenReconnected,
  provideRedis,
  requireRedisServer,
  type RedisUnderTest,
  uniqueNamespace,
} from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';

interface Post {
  id: number;
  title: string;
  authorId: number;
}

/** The source of truth the memoized reads see. */
class Table {
  readonly posts = new Map<number, Post>([
    [1, { id: 1, title: 'one', authorId: 7 }],
    [2, { id: 2, title: 'two', authorId: 8 }],
  ]);
  reads = 0;
}

@Injectable()
class PostsService {
  constructor(readonly table: Table) {}

  @CacheMemoize({ ttl: '1h', tags: ['posts'] })
  async list(): Promise<string[]> {
    this.table.reads++;
    return [...this.table.posts.values()].map((post) => post.title);
  }

  @CacheMemoize<[number], Post>({
    ttl: '1h',
    tags: ({ args: [id], result }) => [`post:${id}`, `author:${result.authorId}`],
  })
  async find(id: number): Promise<Post> {
    this.table.reads++;
    return { ...this.table.posts.get(id)! };
  }

  @CacheMemoize({ ttl: '1h' })
  async count(): Promise<number> {
    this.table.reads++;
    return this.table.posts.size;
  }

  @CacheInvalidate<[number, string], Post>({
    tags: ({ args: [id], result }) => [`post:${id}`, `author:${result.authorId}`, 'posts'],
  })
  async rename(id: number, title: string): Promise<Post> {
    const post = this.table.posts.get(id);
    if (!post) throw new Error(`no post ${id}`);
    post.title = title;
    return { ...post };
  }

  @CacheInvalidate([{ tags: ['posts'] }, { prefixes: ['PostsService.count'] }])
  async add(post: Post): Promise<Post> {
    this.table.posts.set(post.id, post);
    return post;
  }

  /** Throws after changing nothing: nothing may be invalidated. */
  @CacheInvalidate({ tags: ['posts'] })
  async failingUpdate(): Promise<void> {
    throw new Error('constraint violated');
  }

  @CacheInvalidate({ tags: ['posts'] })
  renameAll(suffix: string): Observable<string> {
    return defer(() => {
      for (const post of this.table.posts.values()) post.title += suffix;
      return from([...this.table.posts.values()].map((post) => post.title)).pipe(delay(5));
    });
  }

  @CacheInvalidate({ tags: ['posts'] })
  failingStream(): Observable<string> {
    return of('partial').pipe(delay(5), () => throwError(() => new Error('stream broke')));
  }

  @CacheInvalidate({ tags: () => 'posts' as unknown as string[] })
  async badTags(): Promise<number> {
    return 1;
  }
}

@Injectable({ scope: Scope.REQUEST })
class RequestScopedWriter {
  constructor(private readonly table: Table) {}

  @CacheInvalidate({ tags: ['posts'] })
  async add(post: Post): Promise<void> {
    this.table.posts.set(post.id, post);
  }
}

@Injectable({ scope: Scope.TRANSIENT })
class TransientWriter {
  constructor(private readonly table: Table) {}

  @CacheInvalidate({ tags: ['posts'] })
  async add(post: Post): Promise<void> {
    this.table.posts.set(post.id, post);
  }
}

@Injectable()
class UsesTransientWriter {
  constructor(readonly writer: TransientWriter) {}
}

/** Both decorators on one method, in each order. */
@Injectable()
class Both {
  runs = 0;

  @CacheMemoize({ ttl: '1h' })
  @CacheInvalidate({ tags: ['posts'] })
  async memoizedFirst(): Promise<number> {
    return ++this.runs;
  }

  @CacheInvalidate({ tags: ['posts'] })
  @CacheMemoize({ ttl: '1h' })
  async invalidatingFirst(): Promise<number> {
    return ++this.runs;
  }
}

const providers = [Table, PostsService, RequestScopedWriter, TransientWriter, UsesTransientWriter, Both];

describe('@CacheInvalidate on provider methods (memory alias)', () => {
  let app: INestApplication;
  let posts: PostsService;
  let table: Table;

  beforeEach(async () => {
    app = await createApp({ providers });
    posts = app.get(PostsService);
    table = app.get(Table);
  });
  afterEach(() => app.close());

  it('drops the tags computed from the arguments and the result once the method resolved', async () => {
    expect(await posts.list()).toEqual(['one', 'two']);
    expect((await posts.find(1)).title).toBe('one');
    expect((await posts.find(2)).title).toBe('two');
    const reads = table.reads;

    const renamed = await posts.rename(1, 'uno');

    expect(renamed).toEqual({ id: 1, title: 'uno', authorId: 7 });
    const invalidation = app.get(InvalidationService);
    expect(await invalidation.peek(PostsService, 'find', 1)).toBeUndefined();
    expect(await invalidation.peek(PostsService, 'list')).toBeUndefined();
    expect(await invalidation.peek(PostsService, 'find', 2)).toEqual({ id: 2, title: 'two', authorId: 8 });
    expect(await posts.list()).toEqual(['uno', 'two']);
    expect((await posts.find(1)).title).toBe('uno');
    expect(table.reads).toBe(reads + 2);
  });

  it('applies every options object of a list: tags and prefixes', async () => {
    expect(await posts.list()).toEqual(['one', 'two']);
    expect(await posts.count()).toBe(2);
    await posts.add({ id: 3, title: 'three', authorId: 7 });
    expect(await posts.list()).toEqual(['one', 'two', 'three']);
    expect(await posts.count()).toBe(3);
  });

  it('invalidates nothing when the method rejects, and passes its error on unchanged', async () => {
    await posts.list();
    const reads = table.reads;
    await expect(posts.failingUpdate()).rejects.toThrow('constraint violated');
    await expect(posts.rename(99, 'x')).rejects.toThrow('no post 99');
    await posts.list();
    expect(table.reads).toBe(reads);
  });

  it('waits for an Observable to complete, invalidates, then delivers every value', async () => {
    expect(await posts.list()).toEqual(['one', 'two']);
    const seen: string[] = [];
    const listed: string[][] = [];
    await new Promise<void>((resolve, reject) =>
      posts.renameAll('!').subscribe({
        next: (title) => seen.push(title),
        error: reject,
        complete: () => {
          // By the time the values arrive the list is already invalidated.
          posts
            .list()
            .then((titles) => listed.push(titles), reject)
            .then(() => resolve());
        },
      }),
    );
    expect(seen).toEqual(['one!', 'two!']);
    expect(listed).toEqual([['one!', 'two!']]);
  });

  it('invalidates nothing when the Observable errors', async () => {
    await posts.list();
    const reads = table.reads;
    await expect(
      new Promise<void>((resolve, reject) =>
        posts.failingStream().subscribe({ complete: () => resolve(), error: reject }),
      ),
    ).rejects.toThrow('stream broke');
    await posts.list();
    expect(table.reads).toBe(reads);
  });

  it('rejects with a CacheConfigError naming the method when a tags function returns no list, invalidating nothing', async () => {
    await expect(posts.badTags()).rejects.toMatchObject({
      code: 'E_CACHE_CONFIG',
      message: expect.stringContaining('PostsService.badTags'),
    });
  });

  it('works on request-scoped providers', async () => {
    expect(await posts.list()).toEqual(['one', 'two']);
    const writer = await app.resolve(RequestScopedWriter);
    await writer.add({ id: 5, title: 'five', authorId: 1 });
    expect(await posts.list()).toEqual(['one', 'two', 'five']);
  });

  it('works on transient providers', async () => {
    expect(await posts.list()).toEqual(['one', 'two']);
    await app.get(UsesTransientWriter).writer.add({ id: 6, title: 'six', authorId: 1 });
    expect(await posts.list()).toEqual(['one', 'two', 'six']);
  });

  it('composes with @CacheMemoize as decorators do: the one written above wraps the one below', async () => {
    const both = app.get(Both);
    const readsAfter = async (call: () => Promise<number>) => {
      await posts.list();
      const reads = table.reads;
      await call();
      await posts.list();
      return table.reads - reads;
    };
    // @CacheMemoize above: only a run of the method invalidates; a hit does not.
    expect(await readsAfter(() => both.memoizedFirst())).toBe(1);
    expect(await readsAfter(() => both.memoizedFirst())).toBe(0);
    // @CacheInvalidate above: every call invalidates, hits included.
    expect(await readsAfter(() => both.invalidatingFirst())).toBe(1);
    expect(await readsAfter(() => both.invalidatingFirst())).toBe(1);
    expect(both.runs).toBe(2);
  });

  it('runs the plain method on an instance Nest did not create', async () => {
    const detached = new PostsService(new Table());
    expect(await detached.rename(1, 'solo')).toMatchObject({ title: 'solo' });
  });
});

describe('@CacheInvalidate with a named cache', () => {
  @Injectable()
  class TwoCaches {
    runs = 0;

    @CacheMemoize({ cache: 'a', tags: ['t'] })
    async inA(): Promise<number> {
      return ++this.runs;
    }

    @CacheMemoize({ cache: 'b', tags: ['t'] })
    async inB(): Promise<number> {
      return ++this.runs;
    }

    @CacheInvalidate({ tags: ['t'], cache: 'a' })
    async touchA(): Promise<void> {}
  }

  it('invalidates in that alias only', async () => {
    const app = await createApp(
      { providers: [TwoCaches] },
      { caches: { a: { store: 'memory' }, b: { store: 'memory' } }, defaultCache: 'a' },
    );
    try {
      const service = app.get(TwoCaches);
      expect([await service.inA(), await service.inB()]).toEqual([1, 2]);
      await service.touchA();
      expect([await service.inA(), await service.inB()]).toEqual([3, 2]);
    } finally {
      await app.close();
    }
  });
});

describe('@CacheInvalidate on a Redis alias', () => {
  let redis: RedisUnderTest | undefined;
  beforeAll(async () => (redis = await provideRedis()));
  afterAll(() => redis?.release());

  it('hands the result over only after the invalidation reached Redis', async () => {
    if (!redis) return;
    const order: string[] = [];
    const app = await createApp(
      { providers },
      {
        namespace: uniqueNamespace('invalidate-order'),
        caches: { default: { store: 'redis', url: redis.url } },
        onEvent: (event: CacheMemoizeEvent) => {
          if (event.type === 'invalidate') order.push(`invalidate ${event.key}`);
        },
      },
    );
    try {
      const posts = app.get(PostsService);
      await posts.list();
      await posts.rename(2, 'deux').then(() => order.push('caller'));
      expect(order).toEqual(['invalidate post:2', 'invalidate author:8', 'invalidate posts', 'caller']);
      expect(await posts.list()).toEqual(['one', 'deux']);
      await app.get(InvalidationService).invalidateAll();
    } finally {
      await app.close();
    }
  });
});

(requireRedisServer() ? describe : describe.skip)('@CacheInvalidate when the store fails', () => {
  let server: RedisServer;
  beforeAll(async () => (server = await RedisServer.start()));
  afterAll(() => server.stop());

  async function start(options: CacheMemoizeModuleOptions): Promise<INestApplication> {
    return createApp(
      { providers },
      {
        namespace: uniqueNamespace('invalidate-faults'),
        storeTimeout: 200,
        caches: { default: { store: 'redis', url: server.url } },
        ...options,
      },
    );
  }

  it("'bypass': the method's result is returned and the failure logged", async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const app = await start({});
    try {
      await app.get(PostsService).list();
      await server.kill('SIGKILL');
      expect(await app.get(PostsService).rename(1, 'offline')).toMatchObject({ title: 'offline' });
      expect(logged.mock.calls.map(([message]) => String(message))).toContainEqual(
        expect.stringContaining('PostsService.rename: @CacheInvalidate could not reach the cache'),
      );
    } finally {
      logged.mockRestore();
      await server.restart();
      await closeWhenReconnected(app);
    }
  });

  it("'throw': the call rejects with CacheStoreError, though the method ran", async () => {
    const app = await start({ onStoreError: 'throw' });
    try {
      const posts = app.get(PostsService);
      await posts.list();
      await server.kill('SIGKILL');
      const error = await posts.rename(1, 'offline').catch((failure: unknown) => failure);
      expect(error).toBeInstanceOf(CacheStoreError);
      expect((error as CacheStoreError).code).toBe('E_CACHE_STORE');
      // Named for the method the caller called, which ran: retrying it would run the write again.
      expect((error as CacheStoreError).message).toMatch(/^PostsService\.rename ran, but its @CacheInvalidate/);
      expect((error as CacheStoreError).cause).toBeInstanceOf(CacheStoreError);
      expect(posts.table.posts.get(1)!.title).toBe('offline');
    } finally {
      await server.restart();
      await closeWhenReconnected(app);
    }
  });
});

import { Injectable, type INestApplication, Scope } from '@nestjs/common';
import { CacheConfigError, CacheMemoize, CacheMemoizeConfig, InvalidationService } from '../../lib/index.js';
import { createApp } from '../fixtures/create-app.js';

interface Book {
  id: number;
  title: string;
}

@Injectable()
class Books {
  version = 1;
  calls = 0;
  private readonly shelves: Record<string, number[]> = { fiction: [1, 2], poetry: [3] };

  @CacheMemoize({ ttl: '1h', tags: ({ result }) => (result as Book[]).map((book) => `book:${book.id}`) })
  async onShelf(shelf: string): Promise<Book[]> {
    this.calls++;
    return this.shelves[shelf].map((id) => ({ id, title: `${id}-v${this.version}` }));
  }

  @CacheMemoize({ ttl: '1h', tags: ['books'] })
  async count(): Promise<number> {
    this.calls++;
    return this.version * 10;
  }

  gate: Promise<void> = Promise.resolve();

  @CacheMemoize('1h')
  async slow(): Promise<number> {
    const version = this.version;
    await this.gate;
    return version;
  }
}

@CacheMemoizeConfig({ prefix: 'authors' })
@Injectable()
class Authors {
  calls = 0;

  @CacheMemoize('1h')
  async byId(id: number): Promise<string> {
    return `author-${id}-${++this.calls}`;
  }

  @CacheMemoize('1h')
  async all(): Promise<number> {
    return ++this.calls;
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequest {
  @CacheMemoize('1h')
  async get(): Promise<number> {
    return 1;
  }
}

describe('InvalidationService', () => {
  let app: INestApplication;
  let books: Books;
  let invalidation: InvalidationService;

  beforeEach(async () => {
    app = await createApp({ providers: [Books, Authors, PerRequest] });
    books = app.get(Books);
    invalidation = app.get(InvalidationService);
  });
  afterEach(() => app.close());

  it('refresh recomputes now, stores, and returns the new value', async () => {
    expect(await books.count()).toBe(10);
    books.version = 2;
    expect(await invalidation.refresh(Books, 'count')).toBe(20);
    expect(await books.count()).toBe(20);
    expect(books.calls).toBe(2);
  });

  it('peek reads the cached value without running the method', async () => {
    expect(await invalidation.peek(Books, 'count')).toBeUndefined();
    await books.count();
    expect(await invalidation.peek(Books, 'count')).toBe(10);
    expect(books.calls).toBe(1);
  });

  it('invalidates exactly the entries tagged from their results', async () => {
    await books.onShelf('fiction');
    await books.onShelf('poetry');
    books.version = 2;
    await invalidation.invalidateTags('book:2');
    expect((await books.onShelf('fiction'))[0].title).toBe('1-v2');
    expect((await books.onShelf('poetry'))[0].title).toBe('3-v1');
    expect(books.calls).toBe(3);
  });

  it('invalidates fixed tags, and several tags at once', async () => {
    await books.count();
    await books.onShelf('poetry');
    await invalidation.invalidateTags(['books', 'book:3']);
    await books.count();
    await books.onShelf('poetry');
    expect(books.calls).toBe(4);
  });

  it('voids a result whose computation was running when it was invalidated', async () => {
    let open!: () => void;
    books.gate = new Promise<void>((resolve) => (open = resolve));
    const running = books.slow();
    await invalidation.invalidatePrefix('Books.slow');
    books.version = 2;
    open();
    expect(await running).toBe(1);
    expect(await books.slow()).toBe(2);
  });

  it('invalidates a method prefix, or every method of a class by its leading part', async () => {
    const authors = app.get(Authors);
    expect(await authors.byId(1)).toBe('author-1-1');
    expect(await authors.all()).toBe(2);
    await invalidation.invalidatePrefix('authors.byId');
    expect(await authors.byId(1)).toBe('author-1-3');
    expect(await authors.all()).toBe(2);
    await invalidation.invalidatePrefix('authors');
    expect(await authors.byId(1)).toBe('author-1-4');
    expect(await authors.all()).toBe(5);
    await invalidation.invalidatePrefix('auth'); // not a whole part: nothing happens
    expect(await authors.all()).toBe(5);
  });

  it('invalidateAll drops every entry of the application', async () => {
    await books.count();
    await app.get(Authors).all();
    await invalidation.invalidateAll();
    await books.count();
    expect(books.calls).toBe(2);
    expect(await app.get(Authors).all()).toBe(2);
  });

  it('names what is wrong when a method is not memoized here', async () => {
    // @ts-expect-error: 'nope' is not a method of Books
    expect(() => invalidation.keyFor(Books, 'nope')).toThrow(CacheConfigError);
    await expect(invalidation.invalidate(Map, 'get', 1)).rejects.toThrow(
      /Map\.get is not a memoized method.*Books\.count/,
    );
  });

  it('refuses to refresh a request-scoped provider, and says what to do', async () => {
    await expect(invalidation.refresh(PerRequest, 'get')).rejects.toThrow(
      /PerRequest\.get.*request-scoped or transient.*invalidate\(\)/,
    );
  });
});

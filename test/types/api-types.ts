/**
 * Compile-time checks of the public types, run by `npm run typecheck` (never executed).
 * Each `@ts-expect-error` line must fail to compile: if it ever compiles, tsc fails.
 */
import { Injectable } from '@nestjs/common';
import { type Observable, of } from 'rxjs';
import { CacheMemoize, InvalidationService } from '../../lib/index.js';

interface Book {
  id: number;
}

@Injectable()
export class Library {
  @CacheMemoize('5m')
  async find(id: number, lang?: string): Promise<Book> {
    return { id };
  }

  @CacheMemoize('5m')
  stream(id: number): Observable<Book> {
    return of({ id });
  }

  // @ts-expect-error: a memoized method must return a Promise or an Observable
  @CacheMemoize('5m')
  sync(id: number): Book {
    return { id };
  }

  @CacheMemoize<[number], Book[]>({ tags: ({ result }) => result!.map((book) => `book:${book.id}`) })
  async shelf(shelf: number): Promise<Book[]> {
    return [{ id: shelf }];
  }

  notMemoized = 1;
}

export async function checks(invalidation: InvalidationService): Promise<void> {
  await invalidation.invalidate(Library, 'find', 1);
  await invalidation.invalidate(Library, 'find', 1, 'en');
  const book: Book = await invalidation.refresh(Library, 'find', 1);
  const streamed: Book = await invalidation.refresh(Library, 'stream', 1);
  const peeked: Book | undefined = await invalidation.peek(Library, 'find', 1);
  const key: string = invalidation.keyFor(Library, 'find', 1);

  // @ts-expect-error: no such method
  await invalidation.invalidate(Library, 'findAll', 1);
  // @ts-expect-error: not a method
  await invalidation.invalidate(Library, 'notMemoized');
  // @ts-expect-error: wrong argument type
  await invalidation.invalidate(Library, 'find', '1');
  // @ts-expect-error: too many arguments
  await invalidation.invalidate(Library, 'find', 1, 'en', true);
  // @ts-expect-error: refresh resolves to the method's value type
  const wrong: string = await invalidation.refresh(Library, 'find', 1);
  void [book, streamed, peeked, key, wrong];
}

/**
 * Compile-time checks of the decorators' type parameters, run by `npm run typecheck`.
 * Each `@ts-expect-error` line must fail to compile: if it ever compiles, tsc fails.
 */
import { Injectable } from '@nestjs/common';
import { type Observable, of } from 'rxjs';
import { CacheInvalidate, CacheMemoize } from '../../lib/index.js';

interface Post {
  id: number;
  authorId: number;
  draft: boolean;
}

@Injectable()
export class Posts {
  // `result` is the method's result, set: no `!` in tags, unless, a ttl function or onHit.
  @CacheMemoize<[number], Post>({
    tags: ({ args: [id], result }) => [`post:${id}`, `author:${result.authorId}`],
    unless: ({ result }) => result.draft,
    ttl: ({ result }) => (result.draft ? '10s' : '10m'),
    onHit: ({ result }) => void result.id,
    key: (id) => id.toFixed(0),
  })
  async find(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  @CacheMemoize<[number], Post>('1m')
  stream(id: number): Observable<Post> {
    return of({ id, authorId: 1, draft: false });
  }

  // @ts-expect-error: the type parameters say (string), the method takes (number)
  @CacheMemoize<[string], Post>('1m')
  async wrongArgs(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  // @ts-expect-error: the type parameters say it resolves to string[], the method resolves to Post
  @CacheMemoize<[number], string[]>('1m')
  async wrongResult(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  @CacheMemoize<[number], Post>({
    // @ts-expect-error: result is a Post, which has no `title`
    tags: ({ result }) => [result.title],
  })
  async noSuchField(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  // Without type parameters callbacks are untyped, and still compile without casts.
  @CacheMemoize({ tags: ({ result }) => [`post:${result.id}`] })
  async untyped(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  @CacheInvalidate<[number, Partial<Post>], Post>({
    tags: ({ args: [id, changes], result }) => [`post:${id}`, `author:${result.authorId}`, `draft:${changes.draft}`],
    prefixes: ['Posts.find'],
  })
  async update(id: number, changes: Partial<Post>): Promise<Post> {
    return { id, authorId: 1, draft: false, ...changes };
  }

  @CacheInvalidate<[number], Post>([
    { tags: ({ result }) => [`post:${result.id}`] },
    { prefixes: ['Posts'], cache: 'x' },
  ])
  publish(id: number): Observable<Post> {
    return of({ id, authorId: 1, draft: false });
  }

  // @ts-expect-error: the type parameters say (string), the method takes (number)
  @CacheInvalidate<[string], Post>({ tags: ['posts'] })
  async wrongInvalidateArgs(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  @CacheInvalidate<[number], Post>({
    // @ts-expect-error: tags must be strings
    tags: ({ result }) => [result.id],
  })
  async wrongTags(id: number): Promise<Post> {
    return { id, authorId: 1, draft: false };
  }

  // @ts-expect-error: a method that returns neither a Promise nor an Observable cannot wait for its invalidations
  @CacheInvalidate({ tags: ['posts'] })
  sync(id: number): Post {
    return { id, authorId: 1, draft: false };
  }

  // @ts-expect-error: an unknown option name
  @CacheInvalidate({ tag: ['posts'] })
  async typo(): Promise<void> {}
}

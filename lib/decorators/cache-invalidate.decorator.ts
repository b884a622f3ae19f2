import type { Observable } from 'rxjs';
import { CACHE_INVALIDATE_METADATA } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { InvalidateOptions } from '../interfaces/invalidate-options.interface.js';
import { createTrampoline, type Given, type MemoizeBinding } from './trampoline.js';

/** What `@CacheInvalidate` records on the method, for the explorer. */
export interface CacheInvalidateMetadata {
  /** As given: checked at bootstrap, where the class and method can be named. */
  options: unknown;
  binding: MemoizeBinding;
}

/**
 * Invalidates tags and prefixes once the method has succeeded (its Promise resolved, its
 * Observable completed), before the caller gets the result. A method that throws
 * invalidates nothing. Works on provider methods, controller handlers, GraphQL mutations
 * and message handlers. Give the type parameters to type the callbacks:
 *
 * ```ts
 * @CacheInvalidate<[number, PostChanges], Post>({ tags: ({ args: [id], result }) => [`post:${id}`, `author:${result.authorId}`] })
 * async update(id: number, changes: PostChanges): Promise<Post> { ... }
 * ```
 */
// The `any` defaults, fixed by the API, let untyped callbacks compile.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function CacheInvalidate<A extends unknown[] = any[], R = any>(
  options: InvalidateOptions<Given<A>, Given<R>> | Array<InvalidateOptions<Given<A>, Given<R>>>,
) {
  return <T extends (...args: A) => Promise<R> | Observable<R>>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T> => {
    const owner = `${typeof target === 'function' ? target.name : target.constructor.name}.${String(propertyKey)}`;
    const original = descriptor.value;
    if (typeof original !== 'function') throw new CacheConfigError(Messages.invalidateNotAMethod(owner));
    // A static method is never called on an instance Nest made: it could never invalidate.
    if (typeof target === 'function') throw new CacheConfigError(Messages.invalidateOnStatic(owner));
    if (Reflect.hasOwnMetadata(CACHE_INVALIDATE_METADATA, original))
      throw new CacheConfigError(Messages.invalidateAppliedTwice(owner));
    const { trampoline, binding } = createTrampoline(original, String(propertyKey));
    const metadata: CacheInvalidateMetadata = { options, binding };
    Reflect.defineMetadata(CACHE_INVALIDATE_METADATA, metadata, trampoline);
    return { ...descriptor, value: trampoline as T };
  };
}

import type { Observable } from 'rxjs';
import { CACHE_MEMOIZE_METADATA } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { MemoizeOptions } from '../interfaces/memoize-options.interface.js';
import type { Duration } from '../utils/duration.js';
import { createTrampoline, type Given, type MemoizeBinding } from './trampoline.js';

/** What `@CacheMemoize` records on the method, for the explorer and the interceptor. */
export interface CacheMemoizeMetadata {
  options: MemoizeOptions;
  binding: MemoizeBinding;
}

/** Methods that can be memoized: those returning a Promise or an Observable. */
export type MemoizableMethod = (...args: never[]) => Promise<unknown> | Observable<unknown>;

/**
 * Memoizes a provider method, or caches a controller handler's response (with
 * `CacheMemoizeInterceptor`). Give a ttl (`'5m'`) or options.
 *
 * ```ts
 * @CacheMemoize('5m')
 * async findRelated(postId: number): Promise<Post[]> { ... }
 * ```
 */
// The `any` defaults, fixed by the API, let untyped callbacks compile: `key: (user) => user.id`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function CacheMemoize<A extends unknown[] = any[], R = any>(
  options?: MemoizeOptions<Given<A>, Given<R>> | Duration,
) {
  const normalized = (
    typeof options === 'object' && options !== null ? options : options === undefined ? {} : { ttl: options }
  ) as MemoizeOptions;
  // T is the method: its parameters and result must fit A and R, so type parameters given
  // explicitly (`@CacheMemoize<[number], Post>`) are checked against the method they decorate.
  return <T extends (...args: A) => Promise<R> | Observable<R>>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<T>,
  ): TypedPropertyDescriptor<T> => {
    // Raised as the class is defined, before any app starts: nothing could ever wire these.
    if (typeof target === 'function') {
      throw new CacheConfigError(Messages.staticMethod(`${target.name}.${String(propertyKey)}`));
    }
    const owner = `${target.constructor.name}.${String(propertyKey)}`;
    // A field (`handler = async () => ...`) gets no descriptor; an accessor has no value.
    const original: unknown = descriptor?.value;
    if (typeof original !== 'function') {
      throw new CacheConfigError(
        descriptor === undefined
          ? Messages.notAMethodButField(owner)
          : Messages.notAMethod(owner, descriptor.get || descriptor.set ? 'an accessor' : 'a value'),
      );
    }
    if (Reflect.hasOwnMetadata(CACHE_MEMOIZE_METADATA, original))
      throw new CacheConfigError(Messages.appliedTwice(owner));
    const { trampoline, binding } = createTrampoline(original, String(propertyKey));
    const metadata: CacheMemoizeMetadata = { options: normalized, binding };
    Reflect.defineMetadata(CACHE_MEMOIZE_METADATA, metadata, trampoline);
    return { ...descriptor, value: trampoline as T };
  };
}

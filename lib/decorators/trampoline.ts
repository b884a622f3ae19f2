import { applicationWiring } from './application-wiring.js';

/** What a wired method is handed to: a MemoizedMethod, an InvalidatingMethod, or the interceptor's hold on a keyed controller handler. */
export interface MemoizedCall {
  invoke(instance: object, args: unknown[]): unknown;
}

/**
 * Where the explorer wires a decorated method to the memoizer of the application that
 * owns an instance. Singletons carry their memoizer under `slot` (one property read per
 * call, and two apps in one process never meet); request-scoped and transient instances,
 * which are created after bootstrap, find theirs by class.
 */
export interface MemoizeBinding {
  readonly original: Function;
  readonly slot: symbol;
  /**
   * Every live application's call for a class, in the order they were wired: the last one
   * answers (two apps built from one request-scoped class; when it closes, the one before).
   */
  readonly byClass: WeakMap<Function, MemoizedCall[]>;
}

/**
 * `T`, but never inferred from where it is used: a decorator's type parameters come from
 * what the user writes (`@CacheMemoize<[number], Post>`) or default to `any`, never from a
 * callback such as `key: (id: number) => id`, which may look at fewer arguments than the
 * method has. (TypeScript 5.4's `NoInfer`, written so older compilers read it too.)
 */
export type Given<T> = [T][T extends unknown ? 0 : never];

/**
 * Replaces a decorated method on the prototype, so that every way of calling it (from
 * another provider, from `this`, from a subclass, from a route) reaches the memoizer. An
 * instance that Nest did not create, or a `super` call, runs the original method.
 */
export function createTrampoline(
  original: Function,
  methodName: string,
): { trampoline: Function; binding: MemoizeBinding } {
  const binding: MemoizeBinding = {
    original,
    slot: Symbol(`cache-memoize:${methodName}`),
    byClass: new WeakMap(),
  };
  const { slot, byClass } = binding;
  const trampoline = function (this: unknown, ...args: unknown[]): unknown {
    if (this != null) {
      const self = this as { [slot]?: MemoizedCall };
      let memoized = self[slot] ?? byClass.get(self.constructor)?.at(-1);
      if (memoized === undefined && applicationWiring.active) {
        const failure = applicationWiring.wireFor(self);
        memoized = self[slot] ?? byClass.get(self.constructor)?.at(-1);
        // An async method reports it as it reports any error, by rejecting.
        if (memoized === undefined && failure !== undefined) {
          if (original.constructor.name === 'AsyncFunction') return Promise.reject(failure);
          throw failure;
        }
      }
      if (memoized !== undefined) return memoized.invoke(self, args);
    }
    return original.apply(this, args);
  };
  Object.defineProperty(trampoline, 'name', { value: methodName });
  Object.defineProperty(trampoline, 'length', { value: original.length });
  // Route, guard and other metadata set on the method before this decorator stays visible.
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), trampoline);
  }
  return { trampoline, binding };
}

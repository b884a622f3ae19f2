import { Injectable } from '@nestjs/common';
import { CACHE_MEMOIZE_METADATA } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { MemoizedMethod } from './memoized-method.js';

interface Registration {
  memoized: MemoizedMethod;
  /** A singleton to call the method on, for `refresh`; none for request-scoped or transient providers. */
  instance?: object;
}

/** The memoized methods of this application, by class and method name. */
@Injectable()
export class MemoizedMethodRegistry {
  private readonly byType = new Map<Function, Map<string, Registration>>();
  /** Controller handlers cached by the interceptor: counted in stats, keyed by request, so not found by `find`. */
  private readonly handlers: MemoizedMethod[] = [];
  /**
   * Set by this application's explorer: wires the application first if it was compiled but
   * never initialised, so `InvalidationService` and stats find its methods in such a spec.
   */
  wireFirst?: () => void;

  get(type: Function, methodName: string): MemoizedMethod | undefined {
    return this.byType.get(type)?.get(methodName)?.memoized;
  }

  add(type: Function, methodName: string, memoized: MemoizedMethod, instance?: object): void {
    let methods = this.byType.get(type);
    if (!methods) this.byType.set(type, (methods = new Map()));
    const existing = methods.get(methodName);
    methods.set(methodName, { memoized, instance: existing?.instance ?? instance });
  }

  /** The registration of `Type.method`, or a CacheConfigError listing what is memoized. */
  find(type: Function, methodName: PropertyKey): Registration {
    const found = this.lookup(type, methodName);
    if (found !== undefined) return found;
    const known = this.providerMethods().map((memoized) => memoized.config.owner);
    const owner = `${type?.name}.${String(methodName)}`;
    throw new CacheConfigError(Messages.notMemoized(owner, known, isDecorated(type, methodName)));
  }

  /**
   * As `find`, but `undefined` for a method that carries `@CacheMemoize` on a class no
   * provider of this application is an instance of (replaced in a test by
   * `overrideProvider().useValue()`): this application holds nothing of it to drop.
   */
  findProvided(type: Function, methodName: PropertyKey): Registration | undefined {
    const found = this.lookup(type, methodName);
    return found === undefined && isDecorated(type, methodName) ? undefined : this.find(type, methodName);
  }

  private lookup(type: Function, methodName: PropertyKey): Registration | undefined {
    this.wireFirst?.();
    return this.byType.get(type)?.get(String(methodName));
  }

  addHandler(memoized: MemoizedMethod): void {
    this.handlers.push(memoized);
  }

  /** Every memoized provider method and cached controller handler, for stats. */
  all(): MemoizedMethod[] {
    this.wireFirst?.();
    return [...this.providerMethods(), ...this.handlers];
  }

  private providerMethods(): MemoizedMethod[] {
    return [...this.byType.values()].flatMap((byName) => [...byName.values()].map((r) => r.memoized));
  }
}

function isDecorated(type: Function | undefined, methodName: PropertyKey): boolean {
  const method: unknown = (type?.prototype as Record<PropertyKey, unknown> | undefined)?.[methodName];
  return typeof method === 'function' && Reflect.hasMetadata(CACHE_MEMOIZE_METADATA, method);
}

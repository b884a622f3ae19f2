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
   * Set by this application's explorer: wires what it has not wired yet (the application, if
   * it was compiled but never initialised; providers of a module loaded since), so
   * `InvalidationService` and stats find their methods.
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

  /** Wires what the application has not wired yet (never initialised, or a module loaded since) when a method is not found. */
  private lookup(type: Function, methodName: PropertyKey): Registration | undefined {
    const found = this.byType.get(type)?.get(String(methodName));
    if (found !== undefined) return found;
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

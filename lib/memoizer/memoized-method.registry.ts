import { Injectable } from '@nestjs/common';
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
    this.wireFirst?.();
    const found = this.byType.get(type)?.get(String(methodName));
    if (found) return found;
    const known = this.providerMethods().map((memoized) => memoized.config.owner);
    throw new CacheConfigError(Messages.notMemoized(`${type?.name}.${String(methodName)}`, known));
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

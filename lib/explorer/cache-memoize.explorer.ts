import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { STATIC_CONTEXT } from '@nestjs/core/injector/constants.js';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { CacheConfigError } from '../errors.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import { applicationWiring } from '../decorators/application-wiring.js';
import type { MemoizeBinding, MemoizedCall } from '../decorators/trampoline.js';
import { ResolverCall } from '../interceptors/resolver-scope.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';
import { CacheMemoizeMetadataAccessor } from './cache-memoize-metadata.accessor.js';
import type { MemoizedMethod } from '../memoizer/memoized-method.js';
import { InvalidatingMethodFactory } from './invalidating-method.factory.js';
import { MemoizedMethodFactory } from './memoized-method.factory.js';
import { methodRole } from './method-kind.js';
import { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';
import { assertOneRoot } from './module-checks.js';
import { featureDefaultsOf, scopedType, transientInstances } from './provider-instances.js';

/**
 * Wires every `@CacheMemoize` method of every provider (GraphQL resolvers included) and every
 * controller method that is not an HTTP route (message handlers, plain methods), and every
 * `@CacheInvalidate` method of every provider and controller, to this application: singletons
 * through their own instance, request-scoped and transient ones through their class. It runs
 * at `onModuleInit`, or earlier, at the first call on an instance of an application that was
 * compiled but not initialised (a unit test that never calls `init()`).
 */
@Injectable()
export class CacheMemoizeExplorer implements OnModuleInit, OnModuleDestroy {
  /** The forFeature defaults each memoizer was made with: one class provided by two modules must agree. */
  private readonly defaultsOf = new WeakMap<MemoizedMethod, MemoizeDefaults | undefined>();
  private readonly classBindings: Array<{ binding: MemoizeBinding; type: Function; call: MemoizedCall }> = [];
  private readonly wired = new WeakSet<InstanceWrapper>();
  /** Until every provider and controller is wired, or a configuration error was raised. */
  private pending = true;
  /** The configuration error wiring raised, for calls on this application's instances. */
  private failure: unknown;
  /** Providers of modules loaded later whose options are wrong: their calls get the error. */
  private readonly lateFailures = new WeakMap<object, unknown>();
  private readonly invalidators = new Map<Function, Map<string, MemoizedCall>>();
  private readonly resolverCalls = new WeakMap<MemoizedMethod, MemoizedCall>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly accessor: CacheMemoizeMetadataAccessor,
    private readonly factory: MemoizedMethodFactory,
    private readonly invalidatingFactory: InvalidatingMethodFactory,
    private readonly methods: MemoizedMethodRegistry,
    private readonly settings: CacheMemoizeSettings,
    private readonly modules: ModulesContainer,
  ) {
    applicationWiring.pending(this);
    methods.wireFirst = () => {
      if (this.pending) this.wireNow();
      else if (this.failure === undefined) this.wireLate();
    };
  }

  onModuleInit(): void {
    this.wireNow();
  }

  /** Wires every provider and controller whose instance exists; done once all are. */
  wireNow(): void {
    let complete: boolean;
    try {
      assertOneRoot(this.modules);
      complete = this.visitAll(true);
    } catch (error) {
      // Raised once (to bootstrap, or to the first call of a compiled module); after that,
      // calls on this application's own instances get it, never calls of other applications.
      this.pending = false;
      this.failure = error;
      applicationWiring.failed(this);
      throw error;
    }
    if (complete) {
      this.pending = false;
      applicationWiring.wired(this);
    }
  }

  /** See WirableApplication.wireLate: a provider that fails is left unwired, the others are wired. */
  wireLate(): boolean {
    return this.visitAll(false);
  }

  /**
   * Visits every provider and controller; false while some instance is still being made. A
   * configuration mistake is thrown when `strict` (bootstrap), else kept for its instance.
   */
  private visitAll(strict: boolean): boolean {
    let complete = true;
    for (const [wrappers, isProvider] of [
      [this.discovery.getProviders(), true],
      [this.discovery.getControllers(), false],
    ] as const) {
      for (const wrapper of wrappers) {
        try {
          complete = this.visit(wrapper, isProvider) && complete;
        } catch (error) {
          if (strict) throw error;
          if (wrapper.instance) this.lateFailures.set(wrapper.instance as object, error);
        }
      }
    }
    return complete;
  }

  failureOf(instance: object): unknown {
    const own = this.lateFailures.get(instance);
    if (own !== undefined || this.failure === undefined) return own;
    return this.owns(instance) ? this.failure : undefined;
  }

  /** Whether `instance` is one of this application's singleton providers or controllers. */
  private owns(instance: object): boolean {
    const wrappers = [...this.discovery.getProviders(), ...this.discovery.getControllers()];
    return wrappers.some(
      (wrapper) => !wrapper.isAlias && wrapper.isDependencyTreeStatic() && wrapper.instance === instance,
    );
  }

  /**
   * Another application may still use the classes: only undo what this one did. Where two
   * live applications serve one class through it (request-scoped and transient providers),
   * the one wired last answers; once it closes, the one before answers again.
   */
  onModuleDestroy(): void {
    this.pending = false;
    applicationWiring.closed(this);
    for (const { binding, type, call } of this.classBindings) {
      const calls = binding.byClass.get(type) ?? [];
      calls.splice(calls.lastIndexOf(call), 1);
      if (calls.length === 0) binding.byClass.delete(type);
    }
  }

  /** Wires one wrapper, unless its instance is still being made; false then. */
  private visit(wrapper: InstanceWrapper, isProvider: boolean): boolean {
    if (wrapper.isAlias || this.wired.has(wrapper)) return true;
    const singleton = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
    if (singleton && !wrapper.getInstanceByContextId(STATIC_CONTEXT).isResolved) return false;
    const transients = transientInstances(wrapper);
    if (transients === undefined) return false;
    this.wired.add(wrapper);
    const instance: object | undefined = singleton ? wrapper.instance : undefined;
    const type = singleton ? instance?.constructor : scopedType(wrapper);
    if (typeof type !== 'function' || !type.prototype) return true;
    const targets = [instance, ...transients].filter((target) => target !== undefined);
    // Instances made after bootstrap (request-scoped, or transient through app.resolve()) find it by class.
    const byClass = !singleton;
    this.wireMemoized(wrapper, type, instance, targets, !isProvider, byClass);
    this.wireInvalidating(type, targets, byClass);
    return true;
  }

  private wireMemoized(
    wrapper: InstanceWrapper,
    type: Function,
    instance: object | undefined,
    targets: object[],
    controller: boolean,
    byClass: boolean,
  ): void {
    for (const { methodName, method, metadata } of this.accessor.getMemoizedMethods(type)) {
      // A controller's HTTP routes are the interceptor's; its message handlers and plain methods are wired here.
      const role = methodRole(type, methodName, method, `${type.name}.${methodName}`);
      if (controller && role.kind === 'route') continue;
      const moduleDefaults = featureDefaultsOf(wrapper);
      let memoized = this.methods.get(type, methodName);
      if (!memoized) {
        memoized = this.factory.create({ type, methodName, moduleDefaults, role }, metadata);
        this.defaultsOf.set(memoized, moduleDefaults);
      } else if (this.defaultsOf.get(memoized) !== moduleDefaults) {
        throw new CacheConfigError(Messages.conflictingFeatureDefaults(memoized.config.owner));
      }
      this.methods.add(type, methodName, memoized, instance);
      // Provided in place of its token's class (overrideProvider(Token).useClass(Sub) in a test): found by the token too.
      const token = wrapper.token;
      if (typeof token === 'function' && token !== type && type.prototype instanceof token) {
        this.methods.add(token, methodName, memoized, instance);
      }
      const call = role.kind === 'resolver' ? this.resolverCall(memoized, metadata) : memoized;
      // Disabled: options are still checked and InvalidationService still knows the method, but calls run it directly.
      if (this.settings.enabled) this.bind(metadata.binding, type, call, targets, byClass);
    }
  }

  private wireInvalidating(type: Function, targets: object[], byClass: boolean): void {
    for (const { methodName, metadata } of this.accessor.getInvalidatingMethods(type)) {
      let byName = this.invalidators.get(type);
      if (!byName) this.invalidators.set(type, (byName = new Map()));
      let invalidating = byName.get(methodName);
      if (!invalidating)
        byName.set(methodName, (invalidating = this.invalidatingFactory.create(type, methodName, metadata)));
      this.bind(metadata.binding, type, invalidating, targets, byClass);
    }
  }

  private bind(binding: MemoizeBinding, type: Function, call: MemoizedCall, targets: object[], byClass: boolean): void {
    const attached = targets.every((target) => this.attach(target, binding.slot, call));
    if (byClass || targets.length === 0 || !attached) {
      const calls = binding.byClass.get(type);
      if (calls === undefined) binding.byClass.set(type, [call]);
      else calls.push(call);
      this.classBindings.push({ binding, type, call });
    }
  }

  private resolverCall(memoized: MemoizedMethod, metadata: CacheMemoizeMetadata): MemoizedCall {
    let call = this.resolverCalls.get(memoized);
    if (call === undefined) {
      const varies = (metadata.options.vary?.length ?? 0) > 0;
      this.resolverCalls.set(memoized, (call = new ResolverCall(memoized, metadata.binding, varies)));
    }
    return call;
  }

  private attach(instance: object, slot: symbol, call: MemoizedCall): boolean {
    try {
      Object.defineProperty(instance, slot, { value: call, configurable: true });
      return true;
    } catch {
      return false; // a frozen instance: it is served through its class instead
    }
  }
}

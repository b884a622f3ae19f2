import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { CACHE_MEMOIZE_FEATURE_DEFAULTS } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheConfigError } from '../errors.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import type { MemoizeBinding, MemoizedCall } from '../decorators/trampoline.js';
import { ResolverCall } from '../interceptors/resolver-scope.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';
import { CacheMemoizeMetadataAccessor } from './cache-memoize-metadata.accessor.js';
import type { MemoizedMethod } from '../memoizer/memoized-method.js';
import { MemoizedMethodFactory } from './memoized-method.factory.js';
import { methodRole } from './method-kind.js';
import { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';
import { assertOneRoot } from './module-checks.js';

/**
 * Wires every `@CacheMemoize` method of every provider (GraphQL resolvers included) and every
 * controller method that is not an HTTP route (message handlers, plain methods) to this
 * application's memoizer at bootstrap: singletons through their own instance, request-scoped
 * and transient ones through their class.
 */
@Injectable()
export class CacheMemoizeExplorer implements OnModuleInit, OnModuleDestroy {
  /** The forFeature defaults each memoizer was made with: one class provided by two modules must agree. */
  private readonly defaultsOf = new WeakMap<MemoizedMethod, MemoizeDefaults | undefined>();
  private readonly classBindings: Array<{ binding: MemoizeBinding; type: Function; call: MemoizedCall }> = [];
  private readonly resolverCalls = new WeakMap<MemoizedMethod, MemoizedCall>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly accessor: CacheMemoizeMetadataAccessor,
    private readonly factory: MemoizedMethodFactory,
    private readonly methods: MemoizedMethodRegistry,
    private readonly modules: ModulesContainer,
  ) {}

  onModuleInit(): void {
    assertOneRoot(this.modules);
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isAlias) this.wire(wrapper, false);
    }
    // Message handlers and plain methods of controllers; their HTTP routes are the interceptor's.
    for (const wrapper of this.discovery.getControllers()) this.wire(wrapper, true);
  }

  /** Another application may still use the classes: only undo what this one did. */
  onModuleDestroy(): void {
    for (const { binding, type, call } of this.classBindings) {
      if (binding.byClass.get(type) === call) binding.byClass.delete(type);
    }
  }

  private wire(wrapper: InstanceWrapper, controller: boolean): void {
    const singleton = wrapper.isDependencyTreeStatic() && !wrapper.isTransient;
    const instance: object | undefined = singleton ? wrapper.instance : undefined;
    const type = singleton ? instance?.constructor : wrapper.inject ? undefined : wrapper.metatype;
    if (typeof type !== 'function' || !type.prototype) return;
    for (const { methodName, method, metadata } of this.accessor.getMemoizedMethods(type)) {
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
      const call = role.kind === 'resolver' ? this.resolverCall(memoized, metadata) : memoized;
      const attached = [instance, ...transientInstances(wrapper)].filter((target) => target !== undefined);
      if (attached.length === 0 || !attached.every((target) => this.attach(target, metadata.binding.slot, call))) {
        metadata.binding.byClass.set(type, call);
        this.classBindings.push({ binding: metadata.binding, type, call });
      }
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

/** The defaults of `CacheMemoizeModule.forFeature()` imported by the module of a provider or controller. */
export function featureDefaultsOf(wrapper: InstanceWrapper): MemoizeDefaults | undefined {
  for (const imported of wrapper.host?.imports ?? []) {
    const defaults = imported.providers.get(CACHE_MEMOIZE_FEATURE_DEFAULTS);
    if (defaults) return defaults.instance as MemoizeDefaults;
  }
  return undefined;
}

/**
 * The instances of a transient provider that Nest made at bootstrap, one per consumer: they
 * carry their application's memoizer like singletons do. Request-scoped instances, made
 * later, are served through their class.
 */
function transientInstances(wrapper: InstanceWrapper): object[] {
  if (!wrapper.isTransient || !wrapper.isDependencyTreeStatic()) return [];
  return wrapper
    .getStaticTransientInstances()
    .map((perContext) => perContext?.instance as object | undefined)
    .filter((instance): instance is object => instance !== undefined && instance !== null);
}

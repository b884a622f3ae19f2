import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import { CacheConfigError } from '../errors.js';
import { CacheMemoizeMetadataAccessor } from '../explorer/cache-memoize-metadata.accessor.js';
import { featureDefaultsOf } from '../explorer/provider-instances.js';
import { MemoizedMethodFactory } from '../explorer/memoized-method.factory.js';
import { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';
import { type CachedHandler, declaredVaryNotKeyed, routeFacts, routeTemplate } from './cached-handler.js';
import { handlerOptions } from './handler-options.js';
import { HeldRequest } from './held-request.js';
import { credentialsOf } from './personal-request.js';
import { methodRole } from '../explorer/method-kind.js';
import type { MemoizeBinding } from '../decorators/trampoline.js';

/**
 * The `@CacheMemoize` handlers of every controller of the application, resolved at
 * bootstrap (so a mistake in their options stops the application from starting) and found
 * by the interceptor with two map lookups per request.
 */
@Injectable()
export class CachedHandlerRegistry implements OnModuleInit {
  private readonly byClass = new Map<Function, Map<Function, CachedHandler>>();

  /** The per-user rule of each memoized resolver, found on its first call; `null`: not memoized. */
  private readonly resolvers = new Map<Function, ResolverRule | null>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly accessor: CacheMemoizeMetadataAccessor,
    private readonly factory: MemoizedMethodFactory,
    private readonly methods: MemoizedMethodRegistry,
    private readonly settings: CacheMemoizeSettings,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const type = wrapper.metatype;
      if (typeof type !== 'function' || !type.prototype) continue;
      for (const { methodName, method, metadata } of this.accessor.getMemoizedMethods(type)) {
        // Message handlers and plain methods are memoized by the explorer, like provider methods.
        if (methodRole(type, methodName, method, `${type.name}.${methodName}`).kind !== 'route') continue;
        this.add(wrapper, type, methodName, method, metadata);
      }
    }
  }

  /**
   * The cached handler `handler` of controller `type`, if it carries `@CacheMemoize`. Asked
   * by the interceptor only, so a handler joins the stats when it is really cached: a route
   * the interceptor is not bound to is not.
   */
  get(type: Function, handler: Function): CachedHandler | undefined {
    const found = this.byClass.get(type)?.get(handler);
    if (found !== undefined && !found.listed) {
      found.listed = true;
      this.methods.addHandler(found.memoized);
    }
    return found;
  }

  /** The per-user rule of resolver method `handler`, if it carries `@CacheMemoize`. */
  resolver(handler: Function): ResolverRule | undefined {
    let rule = this.resolvers.get(handler);
    if (rule === undefined) {
      const metadata = this.accessor.getMethodMetadata(handler);
      const vary = metadata ? varyOf(metadata, handler.name) : [];
      rule = metadata
        ? {
            binding: metadata.binding,
            keyed: metadata.options.key !== undefined,
            vary,
            ...credentialsOf(this.settings.credentialHeaders, vary),
          }
        : null;
      this.resolvers.set(handler, rule);
    }
    return rule ?? undefined;
  }

  private add(
    wrapper: InstanceWrapper,
    type: Function,
    methodName: string,
    method: Function,
    metadata: CacheMemoizeMetadata,
  ): void {
    const owner = `${type.name}.${methodName}`;
    const { options, binding } = metadata;
    if (options.storeResult === false) throw new CacheConfigError(Messages.guardModeOnHandler(owner));
    const vary = varyOf(metadata, owner);
    const unkeyed = declaredVaryNotKeyed(method, vary);
    if (unkeyed.length > 0) throw new CacheConfigError(Messages.declaredVaryNotKeyed(owner, unkeyed));
    const route = routeTemplate(type, method);
    const site = { type, methodName, isHandler: true, route, moduleDefaults: featureDefaultsOf(wrapper) };
    const memoized = this.factory.create(site, { options: handlerOptions(options), binding });
    // Disabled: checked like the others, but the interceptor lets every request through.
    if (!this.settings.enabled) return;
    const keyed = options.key !== undefined;
    // Nest calls the handler through its trampoline: point it at the hold, unless a provider registration got there first.
    if (keyed && !binding.byClass.has(type)) binding.byClass.set(type, [HeldRequest.holdFor(binding)]);
    const instance: object = wrapper.isDependencyTreeStatic() && wrapper.instance ? wrapper.instance : type.prototype;
    let handlers = this.byClass.get(type);
    if (!handlers) this.byClass.set(type, (handlers = new Map()));
    handlers.set(method, {
      owner,
      vary,
      ...credentialsOf(this.settings.credentialHeaders, vary),
      keyed,
      memoized,
      binding,
      instance,
      listed: false,
      ...routeFacts(type, methodName, method),
    });
  }
}

/** What the interceptor needs to apply the per-user rule to a memoized resolver. */
export interface ResolverRule {
  binding: MemoizeBinding;
  keyed: boolean;
  vary: string[];
  /** The credential headers not in `vary`. */
  credentials: string[];
  /** The credential headers in `vary`. */
  variedCredentials: string[];
}

/** The `vary` headers, lower-cased; a mistake stops the application at bootstrap. */
function varyOf({ options }: CacheMemoizeMetadata, owner: string): string[] {
  return (options.vary ?? []).map((name: unknown) => {
    if (typeof name !== 'string' || name.trim() === '') throw new CacheConfigError(Messages.invalidVary(owner, name));
    return name.trim().toLowerCase();
  });
}

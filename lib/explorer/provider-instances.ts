import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { CACHE_MEMOIZE_FEATURE_DEFAULTS } from '../cache-memoize.constants.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';

/*
 * What the explorer reads of Nest's provider wrappers: their instances, their class, their
 * module's defaults.
 */

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
 * carry their application's memoizer like singletons do; `undefined` while some are still
 * being made. Request-scoped instances, made later, are served through their class.
 */
export function transientInstances(wrapper: InstanceWrapper): object[] | undefined {
  if (!wrapper.isTransient || !wrapper.isDependencyTreeStatic()) return [];
  const perContext = wrapper.getStaticTransientInstances();
  if (perContext.some((host) => host !== undefined && !host.isResolved)) return undefined;
  return perContext
    .map((host) => host?.instance as object | undefined)
    .filter((instance): instance is object => instance !== undefined && instance !== null);
}

/**
 * The class a request-scoped or transient provider's instances are made of: its class, or for
 * a factory provider its token when that is a class (`{ provide: Q, useFactory: () => new Q() }`).
 */
export function scopedType(wrapper: InstanceWrapper): Function | undefined {
  if (!wrapper.inject) return wrapper.metatype ?? undefined;
  return typeof wrapper.token === 'function' ? wrapper.token : undefined;
}

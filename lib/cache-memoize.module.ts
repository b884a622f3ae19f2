import { type DynamicModule, Module, type OnModuleInit } from '@nestjs/common';
import { DiscoveryModule, ModulesContainer } from '@nestjs/core';
import { CACHE_MEMOIZE_FEATURE_DEFAULTS } from './cache-memoize.constants.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  OPTIONS_TYPE,
} from './cache-memoize.module-definition.js';
import { CacheMemoizeSettings } from './cache-memoize.settings.js';
import { CacheMemoizeExplorer } from './explorer/cache-memoize.explorer.js';
import { CacheMemoizeMetadataAccessor } from './explorer/cache-memoize-metadata.accessor.js';
import { InvalidatingMethodFactory } from './explorer/invalidating-method.factory.js';
import { MemoizedMethodFactory } from './explorer/memoized-method.factory.js';
import { assertRootPresent } from './explorer/module-checks.js';
import { assertKnownOptions, DEFAULTS_OPTION_NAMES, ROOT_OPTION_NAMES } from './interfaces/option-names.js';
import { MemoizedMethodRegistry } from './memoizer/memoized-method.registry.js';
import { CachedHandlerRegistry } from './interceptors/cached-handler.registry.js';
import type { MemoizeDefaults } from './interfaces/memoize-options.interface.js';
import { InvalidationService } from './invalidation/invalidation.service.js';
import { CacheRegistry } from './caches/cache.registry.js';
import { CacheMemoizeStats } from './observability/cache-memoize.stats.js';
import { CacheMemoizeHealthIndicator } from './observability/cache-memoize.health.js';
import { CacheMemoizeTelemetry } from './observability/cache-memoize.telemetry.js';

/** Holds the defaults of one `forFeature()` call, for the explorer to find among a module's imports. */
@Module({})
class CacheMemoizeFeatureModule implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {}

  /** Without forRoot nothing reads these defaults, and no method would be memoized: say so. */
  onModuleInit(): void {
    assertRootPresent(this.modules, CacheMemoizeFeatureModule);
  }
}

@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: CacheMemoizeSettings,
      useFactory: (options) => new CacheMemoizeSettings(options),
      inject: [MODULE_OPTIONS_TOKEN],
    },
    {
      provide: CacheMemoizeTelemetry,
      useFactory: (settings: CacheMemoizeSettings, methods: MemoizedMethodRegistry) =>
        CacheMemoizeTelemetry.create(settings, methods),
      inject: [CacheMemoizeSettings, MemoizedMethodRegistry],
    },
    CacheRegistry,
    CacheMemoizeMetadataAccessor,
    MemoizedMethodFactory,
    InvalidatingMethodFactory,
    MemoizedMethodRegistry,
    CacheMemoizeExplorer,
    InvalidationService,
    CacheMemoizeStats,
    CacheMemoizeHealthIndicator,
    CachedHandlerRegistry,
  ],
  exports: [
    CacheRegistry,
    InvalidationService,
    CacheMemoizeStats,
    CacheMemoizeHealthIndicator,
    // The interceptor is provided by the user's modules and needs the handlers wired here.
    CachedHandlerRegistry,
  ],
})
export class CacheMemoizeModule extends ConfigurableModuleClass {
  /**
   * Sets up the caches and wires every `@CacheMemoize` method of the application.
   * Global unless `isGlobal: false`.
   */
  static forRoot(options: typeof OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(readableOptions(options));
  }

  /** Like forRoot, with options from a factory, a class or an existing provider. */
  static forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return super.forRootAsync(options);
  }

  /** Defaults for the `@CacheMemoize` methods of the providers of the importing module. */
  static forFeature(defaults: MemoizeDefaults): DynamicModule {
    assertKnownOptions(defaults, DEFAULTS_OPTION_NAMES, 'CacheMemoizeModule.forFeature()');
    return {
      module: CacheMemoizeFeatureModule,
      providers: [{ provide: CACHE_MEMOIZE_FEATURE_DEFAULTS, useValue: defaults }],
    };
  }
}

/**
 * Nest copies forRoot options field by field, own fields only: an option held by a getter of
 * a settings class, or inherited from a defaults object, would be dropped without a word.
 * The options are read here as the rest of the library reads them, through the prototype
 * chain; an unknown own field is still reported, by CacheMemoizeSettings.
 */
function readableOptions(options: typeof OPTIONS_TYPE): typeof OPTIONS_TYPE {
  if (typeof options !== 'object' || options === null) return options;
  const read: Record<string, unknown> = { ...options };
  for (const name of ROOT_OPTION_NAMES) {
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined) read[name] = value;
  }
  return read as typeof OPTIONS_TYPE;
}

import { Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { DEFAULT_LOCK, MAX_TTL_MS } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import { CacheConfigError } from '../errors.js';
import type { MemoizeDefaults, MemoizeOptions } from '../interfaces/memoize-options.interface.js';
import { KeyBuilder } from '../keys/key-builder.js';
import { CacheRegistry } from '../caches/cache.registry.js';
import { scopeOf } from '../stores/marks.js';
import { parseOptionalDuration, parseTimerDuration, parseTtl } from '../utils/duration.js';
import { RateLimitedLogger } from '../utils/rate-limited-logger.js';
import { CacheMemoizeMetadataAccessor } from './cache-memoize-metadata.accessor.js';
import { MemoizedMethod } from '../memoizer/memoized-method.js';
import type { MethodConfig, ReturnMode } from '../memoizer/method-config.js';
import type { MethodRole } from './method-kind.js';
import { assertOptionShapes } from './option-shapes.js';
import { assertKnownOptions, DEFAULTS_OPTION_NAMES, MEMOIZE_OPTION_NAMES } from '../interfaces/option-names.js';
import { CacheMemoizeTelemetry } from '../observability/cache-memoize.telemetry.js';

/** Where a method is declared, and whether it is a controller handler. */
export interface MethodSite {
  type: Function;
  methodName: string;
  /** `forFeature` defaults of the provider's module. */
  moduleDefaults?: MemoizeDefaults;
  isHandler?: boolean;
  /** A controller handler's route template, for telemetry. */
  route?: string;
  /** How Nest calls it: a resolver or message handler is keyed by some of its arguments only. */
  role?: MethodRole;
}

/**
 * Turns `@CacheMemoize` metadata into a MemoizedMethod, merging options once, strongest
 * first: the decorator, `@CacheMemoizeConfig`, `forFeature`, the alias, `forRoot`. Every
 * configuration mistake surfaces here, at bootstrap, naming the method.
 */
@Injectable()
export class MemoizedMethodFactory {
  private readonly log = new RateLimitedLogger();
  /** Which class each default prefix belongs to: two classes of one name must not share entries. */
  private readonly prefixOwners = new Map<string, Function>();

  constructor(
    private readonly settings: CacheMemoizeSettings,
    private readonly registry: CacheRegistry,
    private readonly accessor: CacheMemoizeMetadataAccessor,
    private readonly telemetry: CacheMemoizeTelemetry,
  ) {}

  create(site: MethodSite, metadata: CacheMemoizeMetadata): MemoizedMethod {
    return new MemoizedMethod(
      this.resolve(site, metadata.options, metadata.binding.original),
      metadata.binding.original,
      this.log,
    );
  }

  private resolve(site: MethodSite, options: MemoizeOptions, original: Function): MethodConfig {
    const { type, methodName } = site;
    const className = type.name;
    const owner = `${className}.${methodName}`;
    const classDefaults = this.accessor.getClassDefaults(type) ?? {};
    const moduleDefaults = site.moduleDefaults ?? {};
    const pick = <K extends keyof MemoizeDefaults>(name: K): MemoizeDefaults[K] =>
      options[name] ?? classDefaults[name] ?? moduleDefaults[name];
    const at = (option: string) => `${owner} (${option})`;
    assertKnownOptions(options, MEMOIZE_OPTION_NAMES, `@CacheMemoize() on ${owner}`);
    assertKnownOptions(classDefaults, DEFAULTS_OPTION_NAMES, `@CacheMemoizeConfig() on ${className}`);
    assertKnownOptions(
      moduleDefaults,
      DEFAULTS_OPTION_NAMES,
      `CacheMemoizeModule.forFeature() of the module providing ${className}`,
    );
    assertOptionShapes(options, owner);
    assertOptionShapes(classDefaults, `@CacheMemoizeConfig() on ${className}`);
    assertOptionShapes(moduleDefaults, `CacheMemoizeModule.forFeature() of the module providing ${className}`);

    const alias = this.registry.alias(pick('cache'), owner);
    const ttlOption = pick('ttl');
    const ttl =
      typeof ttlOption === 'function'
        ? ttlOption
        : ttlOption !== undefined
          ? parseTtl(ttlOption, at('ttl'))!
          : (alias.ttlMs ?? this.settings.ttlMs);
    const refreshAfterMs = parseOptionalDuration(pick('refreshAfter'), at('refreshAfter'));
    const staleIfErrorMs = parseTtl(pick('staleIfError'), at('staleIfError')) ?? 0;
    const timeoutMs = parseTimerDuration(options.timeout, at('timeout'));
    const hardTimeoutMs = parseTimerDuration(options.hardTimeout, at('hardTimeout'));
    const lock = pick('lock') ?? DEFAULT_LOCK;
    const prefix = this.prefixOf(options, classDefaults, moduleDefaults, className, methodName);

    if (prefix === '') throw new CacheConfigError(Messages.invalidPrefix(owner, prefix));
    if (options.prefix === undefined) this.claimPrefix(prefix, type, owner);
    if (refreshAfterMs !== undefined && typeof ttl === 'number' && refreshAfterMs >= ttl) {
      throw new CacheConfigError(Messages.refreshAfterNotShorter(owner));
    }
    if (typeof ttl === 'number' && ttl + staleIfErrorMs > MAX_TTL_MS) {
      throw new CacheConfigError(Messages.ttlTooLong(`${ttl}ms + ${staleIfErrorMs}ms`, at('ttl + staleIfError')));
    }
    if (timeoutMs !== undefined && staleIfErrorMs === 0) throw new CacheConfigError(Messages.timeoutNeedsStale(owner));
    if (timeoutMs !== undefined && hardTimeoutMs !== undefined && hardTimeoutMs <= timeoutMs) {
      throw new CacheConfigError(Messages.hardTimeoutNotLonger(owner));
    }
    if (lock === 'distributed' && alias.kind !== 'redis')
      throw new CacheConfigError(Messages.distributedNeedsRedis(owner, alias.name));
    const resolver = site.role?.kind === 'resolver';
    if (options.vary !== undefined && !site.isHandler && !resolver)
      throw new CacheConfigError(Messages.varyOnProvider(owner));
    const instrumented = { owner, alias: alias.name, aliasKind: alias.kind, route: site.route };

    return {
      className,
      methodName,
      owner,
      alias: alias.name,
      store: alias.store,
      keys: new KeyBuilder(
        this.settings.namespace,
        prefix,
        owner,
        options.key,
        site.role?.keyPositions,
        resolver,
        site.role?.looseArgs,
      ),
      scope: scopeOf(prefix),
      returnMode: returnModeOf(type, methodName, original, site.isHandler ? undefined : owner),
      ttl,
      tags: options.tags,
      skip: options.skip,
      unless: options.unless,
      storeResult: options.storeResult ?? true,
      onHit: options.onHit,
      onMiss: options.onMiss,
      refreshAfterMs,
      staleIfErrorMs,
      timeoutMs,
      hardTimeoutMs,
      lock,
      clone: options.clone ?? alias.clone,
      throwOnStoreError: this.settings.throwOnStoreError,
      onEvent: this.telemetry.eventListener(instrumented, this.settings.onEvent),
      instruments: this.telemetry.instrumentsFor(instrumented),
    };
  }

  private claimPrefix(prefix: string, type: Function, owner: string): void {
    const claimed = this.prefixOwners.get(prefix);
    if (claimed !== undefined && claimed !== type) throw new CacheConfigError(Messages.sameClassName(owner));
    this.prefixOwners.set(prefix, type);
  }

  /** A method's own prefix is used as given; a class or module prefix is a prefix for the method names. */
  private prefixOf(
    options: MemoizeOptions,
    classDefaults: MemoizeDefaults,
    moduleDefaults: MemoizeDefaults,
    className: string,
    methodName: string,
  ): string {
    if (options.prefix !== undefined) return options.prefix;
    const shared = classDefaults.prefix ?? moduleDefaults.prefix;
    return `${shared ?? className}.${methodName}`;
  }
}

/**
 * How the method hands out results, from its declared return type (emitDecoratorMetadata) or
 * its being async. A declared type that is neither (`number`, `string`...) is refused now; an
 * undeclared one is checked on the method's first run.
 */
function returnModeOf(
  type: Function,
  methodName: string,
  original: Function,
  /** Unset for controller handlers: the interceptor caches whatever they answer. */
  owner: string | undefined,
): ReturnMode {
  const declared: unknown = Reflect.getMetadata('design:returntype', type.prototype, methodName);
  if (declared === Observable || isSubclass(declared, Observable)) return 'observable';
  const promised =
    declared === Promise || isSubclass(declared, Promise) || original.constructor.name === 'AsyncFunction';
  if (!promised && owner !== undefined && typeof declared === 'function' && declared !== Object) {
    throw new CacheConfigError(Messages.notPromiseOrObservable(owner, `a ${declared.name} (its declared return type)`));
  }
  return 'promise';
}

function isSubclass(declared: unknown, base: Function): boolean {
  return typeof declared === 'function' && declared.prototype instanceof base;
}

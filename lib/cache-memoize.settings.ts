import {
  DEFAULT_CACHE_ALIAS,
  DEFAULT_CREDENTIAL_HEADERS,
  DEFAULT_ENABLED,
  DEFAULT_STORE_TIMEOUT,
  DEFAULT_TELEMETRY,
  DEFAULT_TTL,
} from './cache-memoize.constants.js';
import { Messages } from './cache-memoize.messages.js';
import { CacheConfigError } from './errors.js';
import type { CacheMemoizeEvent } from './interfaces/cache-memoize-event.interface.js';
import type {
  CacheDefinition,
  CacheMemoizeModuleOptions,
  TelemetryOptions,
} from './interfaces/module-options.interface.js';
import { assertKnownOptions, ROOT_OPTION_NAMES, TELEMETRY_OPTION_NAMES } from './interfaces/option-names.js';
import { parseTimerDuration, parseTtl } from './utils/duration.js';

/**
 * The root options with every default applied and every duration parsed: the one place
 * where `forRoot` options become the values the rest of the library reads.
 */
export class CacheMemoizeSettings {
  readonly caches: Readonly<Record<string, CacheDefinition>>;
  readonly defaultCache: string;
  readonly namespace: string | undefined;
  readonly ttlMs: number;
  readonly storeTimeoutMs: number;
  readonly throwOnStoreError: boolean;
  readonly onEvent: ((event: CacheMemoizeEvent) => void) | undefined;
  readonly enabled: boolean;
  /** The default credential headers and the module's own, lower-cased, without repeats. */
  readonly credentialHeaders: readonly string[];
  readonly telemetry: Readonly<Required<TelemetryOptions>>;

  constructor(options: Omit<CacheMemoizeModuleOptions, 'isGlobal'> = {}) {
    if (typeof options !== 'object' || options === null)
      throw new CacheConfigError(Messages.optionsNotAnObject(options));
    assertKnownOptions(options, ROOT_OPTION_NAMES, 'CacheMemoizeModule.forRoot()');
    // Nest takes isGlobal out of forRoot's options before they get here: only a forRootAsync factory can return it, too late.
    if ('isGlobal' in options) throw new CacheConfigError(Messages.isGlobalFromFactory());
    this.caches = options.caches ?? { [DEFAULT_CACHE_ALIAS]: { store: 'memory' } };
    if (Object.keys(this.caches).length === 0) throw new CacheConfigError(Messages.noCaches());
    this.defaultCache = options.defaultCache ?? DEFAULT_CACHE_ALIAS;
    if (!Object.hasOwn(this.caches, this.defaultCache)) {
      throw new CacheConfigError(
        Messages.unknownAlias(this.defaultCache, 'forRoot({ defaultCache })', Object.keys(this.caches)),
      );
    }
    this.namespace = options.namespace || undefined;
    this.ttlMs = parseTtl(options.ttl ?? DEFAULT_TTL, 'forRoot({ ttl })')!;
    this.storeTimeoutMs = parseTimerDuration(
      options.storeTimeout ?? DEFAULT_STORE_TIMEOUT,
      'forRoot({ storeTimeout })',
    )!;
    const { onStoreError, onEvent } = options;
    if (onStoreError !== undefined && onStoreError !== 'bypass' && onStoreError !== 'throw') {
      throw new CacheConfigError(Messages.invalidStoreErrorMode(onStoreError));
    }
    if (onEvent !== undefined && typeof onEvent !== 'function')
      throw new CacheConfigError(Messages.onEventNotAFunction());
    const { enabled = DEFAULT_ENABLED } = options;
    if (typeof enabled !== 'boolean') throw new CacheConfigError(Messages.invalidEnabled(enabled));
    this.enabled = enabled;
    this.throwOnStoreError = onStoreError === 'throw';
    this.onEvent = onEvent;
    this.credentialHeaders = credentialHeadersOf(options.credentialHeaders);
    this.telemetry = resolveTelemetry(options.telemetry);
  }
}

function credentialHeadersOf(extra: unknown): readonly string[] {
  if (extra === undefined) return DEFAULT_CREDENTIAL_HEADERS;
  if (!Array.isArray(extra) || !extra.every((name) => typeof name === 'string' && name.trim() !== '')) {
    throw new CacheConfigError(Messages.invalidCredentialHeaders(extra));
  }
  return [...new Set([...DEFAULT_CREDENTIAL_HEADERS, ...extra.map((name: string) => name.trim().toLowerCase())])];
}

function resolveTelemetry(options: TelemetryOptions | undefined): Readonly<Required<TelemetryOptions>> {
  if (options === undefined) return DEFAULT_TELEMETRY;
  if (typeof options !== 'object' || options === null) throw new CacheConfigError(Messages.telemetryNotAnObject());
  assertKnownOptions(options, TELEMETRY_OPTION_NAMES, 'CacheMemoizeModule.forRoot({ telemetry })');
  const resolved: Required<TelemetryOptions> = { ...DEFAULT_TELEMETRY };
  for (const name of ['metrics', 'traces', 'hitSpans'] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new CacheConfigError(Messages.invalidTelemetry(name, value));
    resolved[name] = value;
  }
  if (resolved.hitSpans && !resolved.traces) throw new CacheConfigError(Messages.hitSpansNeedTraces());
  return resolved;
}

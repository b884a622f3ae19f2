/** A value as the user wrote it: `NaN` stays `NaN` (JSON would print `null`), strings are quoted. */
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'symbol') return String(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The known name closest to a misspelt one (at most two edits away), for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Every message the library shows a user, in one place. */
export const Messages = {
  invalidDuration: (value: unknown, where: string) =>
    `Invalid duration ${shown(value)} for ${where}: use a positive number of milliseconds ` +
    `or a string like '250ms', '30s', '5m', '2h' or '1d'.`,
  unknownAlias: (alias: string, where: string, known: string[]) =>
    `Unknown cache alias '${alias}' used by ${where}. Known aliases: ${known.map((a) => `'${a}'`).join(', ')}. ` +
    `Declare it in CacheMemoizeModule.forRoot({ caches: { ${alias}: { store: 'memory' } } }) or use one of those.`,
  invalidCacheDefinition: (alias: string) =>
    `Cache alias '${alias}' must be { store: 'memory' }, { store: 'redis' } or { cache: <a cache-manager Cache> }.`,
  invalidMax: (alias: string, max: unknown) =>
    `Cache alias '${alias}' has max ${String(max)}: give a positive whole number of entries.`,
  noCaches: () =>
    `CacheMemoizeModule.forRoot({ caches }) declares no cache: leave 'caches' out for a memory cache, or declare one.`,
  appliedTwice: (owner: string) => `@CacheMemoize is applied twice to ${owner}: keep one.`,
  notAMethod: (owner: string, what: string) =>
    `@CacheMemoize on ${owner}, which is ${what}: it decorates methods only. Memoize a method, and call it from the getter.`,
  notAMethodButField: (owner: string) =>
    `@CacheMemoize on ${owner}, a field (an arrow function?): it decorates methods only. ` +
    `Write it as a method, async ${owner.split('.').pop()}(...) { ... }, so Nest and the cache can see it.`,
  staticMethod: (owner: string) =>
    `@CacheMemoize on the static method ${owner}: only methods of provider instances are memoized, ` +
    `wired through Nest's DI. Move it to an instance method of a provider.`,
  notPromiseOrObservable: (owner: string, result: string) =>
    `${owner} is memoized but returned ${result}, not a Promise or an Observable: its result could only be cached by ` +
    `changing what callers receive. Make it async (or return an Observable), or remove @CacheMemoize.`,
  featureWithoutRoot: (modules: string[]) =>
    `CacheMemoizeModule.forFeature() is imported by ${modules.join(', ')}, but the application has no CacheMemoizeModule.forRoot(): ` +
    `nothing would be memoized. Import CacheMemoizeModule.forRoot() once, e.g. in AppModule.`,
  twoRoots: (modules: string[]) =>
    `CacheMemoizeModule.forRoot() is imported more than once in this application (by ${modules.join(', ')}): ` +
    `each would keep its own caches, and InvalidationService would only reach one of them. ` +
    `Import forRoot() once (e.g. in AppModule; it is global), and forFeature() where a module needs its own defaults.`,
  distributedNeedsRedis: (owner: string, alias: string) =>
    `${owner} asks for lock: 'distributed', but cache '${alias}' is not a Redis alias. Use a { store: 'redis' } alias or lock: 'process'.`,
  refreshAfterNotShorter: (owner: string) =>
    `${owner} has refreshAfter at or past its ttl, so it would never refresh: make refreshAfter shorter than ttl.`,
  hardTimeoutNotLonger: (owner: string) =>
    `${owner} has hardTimeout at or below timeout: the soft timeout could never fire. Make hardTimeout longer than timeout.`,
  timeoutNeedsStale: (owner: string) =>
    `${owner} sets timeout, which serves a stale value while a slow recompute finishes, but keeps no stale values: add staleIfError.`,
  varyOnProvider: (owner: string) =>
    `${owner} sets vary, which only applies to HTTP handlers and GraphQL resolvers, whose requests have headers: remove it.`,
  guardModeOnHandler: (owner: string) =>
    `${owner} is a controller handler with storeResult: false, which would answer later requests with an empty body: remove storeResult.`,
  declaredVaryNotKeyed: (owner: string, names: string[]) =>
    `${owner} sends Vary: ${names.join(', ')} through @Header(), so its response depends on ${names.length > 1 ? 'those request headers' : 'that request header'}, ` +
    `which its key does not hold: add vary: [${names.map((name) => `'${name}'`).join(', ')}] to @CacheMemoize.`,
  invalidVary: (owner: string, name: unknown) =>
    `${owner} has vary entry ${shown(name)}: give request header names, e.g. vary: ['accept-language'].`,
  invalidPrefix: (owner: string, prefix: unknown) =>
    prefix === ''
      ? `${owner} has an empty prefix: leave it out for '${owner}', or give a name.`
      : `${owner} has prefix ${shown(prefix)}, which is not a string: give a name like '${owner}', or leave it out.`,
  isGlobalFromFactory: () =>
    `CacheMemoizeModule.forRootAsync(): the factory returned isGlobal, which is decided before the factory runs: ` +
    `pass it beside useFactory, as forRootAsync({ isGlobal: false, useFactory }).`,
  notMemoized: (owner: string, known: string[], decorated: boolean) =>
    `${owner} is not a memoized method of a provider in this application` +
    (known.length ? ` (memoized here: ${known.join(', ')})` : '') +
    (decorated
      ? `. It carries @CacheMemoize, but no provider of this application is an instance of its class ` +
        `(replaced by a mock with overrideProvider().useValue()?). A spec that tests other code than the cache can ` +
        `use forRoot({ enabled: false }), where InvalidationService resolves at once.`
      : `. Decorate it with @CacheMemoize and register its class as a provider.`),
  refreshNeedsSingleton: (owner: string) =>
    `refresh(${owner}) needs a singleton instance to call the method on, but this provider is request-scoped or transient. ` +
    `Use invalidate() instead, or make the provider a singleton.`,
  unreadableArgument: (owner: string, where: string, error: unknown) =>
    `Cannot build a cache key for ${owner}: reading ${where} threw ` +
    `(${error instanceof Error ? error.message : String(error)}; see cause). Give @CacheMemoize a key option, ` +
    `e.g. key: (user) => user.id, that reads only what the key needs.`,
  unencodableArgument: (owner: string, what: string, where: string) =>
    `Cannot build a cache key for ${owner}: ${where} is ${what}. Give @CacheMemoize a key option, ` +
    `e.g. key: (user) => user.id, that returns only data.`,
  invalidComputedTtl: (owner: string, value: unknown) =>
    `The ttl function of ${owner} returned ${shown(value)}, which is not a duration: the result was returned but not cached. ` +
    `Return a positive number of milliseconds or a string like '5m'.`,
  notEncodable: (owner: string, alias: string) =>
    `${owner} returned a value cache '${alias}' cannot store (a function, a symbol or a Promise inside it): ` +
    `the result was returned but not cached. Return plain data, or skip such results with unless.`,
  invalidRedisUrl: (alias: string, url: unknown) =>
    `Cache alias '${alias}' has url ${shown(url)}: give a Redis URL like 'redis://127.0.0.1:6379' or 'rediss://user:pass@host:6380/0'.`,
  invalidRedisOption: (alias: string) =>
    `Cache alias '${alias}' has a redis option that is neither ioredis options nor a Redis or Cluster client: pass one of those, or leave it out.`,
  redisUrlAndClient: (alias: string) =>
    `Cache alias '${alias}' gives both a url and a Redis client: the client is already connected, so drop the url.`,
  invalidLockOption: (alias: string) =>
    `Cache alias '${alias}' has a lock option that is not an object: give { ttl?: '10s', wait?: '30s' }, or leave it out.`,
  invalidLocalOption: (alias: string) =>
    `Cache alias '${alias}' has a local option that is not an object: give { max?: 10_000, ttl?: '30s', lease?: '1s' }, or leave it out.`,
  unknownLocalOption: (alias: string, name: string) =>
    `Cache alias '${alias}' has local.${name}, which is not an option of the local tier: use max, ttl or lease.`,
  invalidLocalMax: (alias: string, max: unknown) =>
    `Cache alias '${alias}' has local.max ${String(max)}: give a positive whole number of entries kept in each process.`,
  redisConnectionError: (alias: string) =>
    `cache '${alias}': Redis connection error, calls go to their methods until it is back`,
  unreadableEntry: (alias: string) =>
    `cache '${alias}': an entry could not be decoded (written by another Node version?); it is recomputed and replaced`,
  redisFlushRefused: (alias: string) =>
    `cache '${alias}': clear() would run FLUSHDB on a Redis other applications may share, so it is refused. ` +
    `Use InvalidationService.invalidateAll('${alias}') for memoized entries, or delete your keys one by one.`,
  invalidationFailed: (what: string, alias: string) =>
    `${what} could not be carried out on cache '${alias}' (the store failed): it did not take effect. Retry it once the store is back.`,
  refreshNotStored: (owner: string, alias: string) =>
    `InvalidationService.refresh(${owner}): the new value could not be stored in cache '${alias}', so older values may still be served. Retry it once the store is back.`,
  refreshNotEncodable: (owner: string, alias: string) =>
    `InvalidationService.refresh(${owner}): the new value cannot be stored in cache '${alias}' (a function, a symbol or a Promise inside it), ` +
    `so the cached entry was dropped instead. Return plain data, or skip such results with unless.`,
  notStored: (owner: string, alias: string) => `${owner}: result not cached in '${alias}'`,
  storeFailed: (owner: string, alias: string) => `${owner}: cache '${alias}' failed, calling the method directly`,
  lockFailed: (owner: string, alias: string) =>
    `${owner}: the distributed lock on cache '${alias}' failed, calling the method without it`,
  lockLost: (owner: string, alias: string) =>
    `${owner}: lost its distributed lock on cache '${alias}' while running (Redis restarted or this process stalled past the lock's ttl); another process may run it too`,
  lockWaitOver: (owner: string, alias: string, waitMs: number) =>
    `${owner}: waited ${waitMs}ms for another process's result on cache '${alias}', calling the method here. ` +
    `Raise the alias's lock.wait if the method is that slow.`,
  refreshFailed: (owner: string) => `${owner}: background refresh failed, keeping the cached value`,
  callbackFailed: (name: string) => `${name}: a cache callback threw`,
  hardTimeout: (owner: string, ms: number, key: string) =>
    `${owner} did not finish within its hardTimeout of ${ms}ms (key ${key}). Raise hardTimeout, or add staleIfError to serve the last value meanwhile.`,
  timerTooLong: (value: unknown, where: string) =>
    `${where} is ${shown(value)}, longer than Node's timers can wait (about 24.8 days): give a shorter duration.`,
  ttlTooLong: (value: unknown, where: string) =>
    `${where} is ${shown(value)}, longer than the year an entry can be kept (a store would refuse or mistime it): ` +
    `give at most '365d', and invalidate entries when their data changes.`,
  optionsNotAnObject: (value: unknown) =>
    `CacheMemoizeModule.forRoot() options are ${shown(value)}: give an object (a forRootAsync factory must return one), or {} for the defaults.`,
  unknownOption: (where: string, name: string, known: readonly string[]) => {
    const guess = closest(name, known);
    return (
      `${where} has an option '${name}' that CacheMemoizeModule does not know` +
      (guess ? `: did you mean '${guess}'?` : '.') +
      ` Known options: ${known.join(', ')}.`
    );
  },
  notAFunction: (owner: string, option: string) => `${owner} gives ${option} that is not a function: pass a function.`,
  invalidTags: (owner: string) =>
    `${owner} gives tags that are neither a list of non-empty strings nor a function of the call: e.g. tags: ['books'].`,
  invalidLock: (owner: string, lock: unknown) =>
    `${owner} gives lock ${shown(lock)}: use 'process' (the default), 'distributed' or false.`,
  invalidComputedTags: (owner: string, value: unknown) =>
    `The tags function of ${owner} returned ${shown(value)}, not a list of non-empty strings: the result was returned but not cached. ` +
    `Return e.g. ['books', 'book:' + id].`,
  sameClassName: (owner: string) =>
    `Two different classes both make the default prefix of ${owner}, so they would share entries. ` +
    `Rename one, or give its methods a prefix of their own with @CacheMemoizeConfig({ prefix }) or @CacheMemoize({ prefix }).`,
  conflictingFeatureDefaults: (owner: string) =>
    `${owner} is provided by two modules with different CacheMemoizeModule.forFeature() defaults, but a class has one memoizer per method. ` +
    `Give the class its defaults with @CacheMemoizeConfig, or provide it from one module.`,
  invalidStoreErrorMode: (value: unknown) =>
    `forRoot({ onStoreError }) is ${shown(value)}: use 'bypass' (the default) or 'throw'.`,
  invalidCredentialHeaders: (value: unknown) =>
    `forRoot({ credentialHeaders }) is ${shown(value)}: give a list of request header names, ` +
    `e.g. ['x-tenant-id']. They are added to Authorization, Proxy-Authorization, Cookie, X-API-Key and X-Auth-Token.`,
  memoizedMutation: (owner: string, kind: string) =>
    `@CacheMemoize on ${owner}, a GraphQL ${kind}: a ${kind.toLowerCase()} must run every time it is sent. ` +
    `Remove @CacheMemoize; to drop cached answers when it succeeds, use @CacheInvalidate or InvalidationService.`,
  memoizedEventHandler: (owner: string) =>
    `@CacheMemoize on ${owner}, an @EventPattern handler: events have no reply to cache and must each be handled. ` +
    `Remove @CacheMemoize, or use @MessagePattern for a request that expects a reply.`,
  unencodableResolverArgument: (owner: string, what: string, where: string) =>
    `Cannot build a cache key for the resolver ${owner}: ${where} is ${what}. Give @CacheMemoize a key option that ` +
    `returns only data and keeps everything the answer depends on, the user included when it reads one from the ` +
    `context: e.g. for books(@Args() args, @Context() ctx), key: (args, ctx) => [args, ctx.req.user?.id].`,
  onEventNotAFunction: () => `forRoot({ onEvent }) must be a function receiving each CacheMemoizeEvent.`,
  invalidTelemetry: (name: string, value: unknown) =>
    `forRoot({ telemetry: { ${name} } }) is ${JSON.stringify(value) ?? String(value)}: use true or false, or leave it out.`,
  telemetryNotAnObject: () =>
    `forRoot({ telemetry }) must be an object like { metrics: true, traces: true, hitSpans: false }, or left out.`,
  hitSpansNeedTraces: () =>
    `forRoot({ telemetry: { hitSpans: true, traces: false } }) asks for hit spans with traces turned off: drop hitSpans or turn traces on.`,
  notHearingInvalidations: (alias: string) =>
    `cache alias '${alias}' does not hear invalidations: its subscription is down or its lease lapsed, so its local copies are not served`,
  invalidateNotAMethod: (owner: string) =>
    `@CacheInvalidate on ${owner}: it decorates methods only, not accessors or fields.`,
  invalidateOnStatic: (owner: string) =>
    `@CacheInvalidate on static method ${owner}: Nest never calls it on an instance it made, so it could never invalidate. ` +
    `Move it to an instance method of a provider or controller.`,
  invalidateAppliedTwice: (owner: string) =>
    `@CacheInvalidate is applied twice to ${owner}: give one a list, @CacheInvalidate([{ tags: [...] }, { prefixes: [...] }]).`,
  invalidInvalidateOptions: (owner: string) =>
    `@CacheInvalidate on ${owner} needs { tags?, prefixes?, cache? } or a non-empty list of them.`,
  invalidInvalidateTargets: (owner: string, option: string) =>
    `@CacheInvalidate on ${owner} gives ${option} that are neither a list of non-empty strings nor a function of ` +
    `{ args, result } returning one: e.g. ${option}: ['posts'] or ${option}: ({ args: [id] }) => [\`post:\${id}\`].`,
  invalidateNothing: (owner: string) =>
    `@CacheInvalidate on ${owner} gives neither tags nor prefixes, so it would invalidate nothing: add one.`,
  invalidInvalidateCache: (owner: string, cache: unknown) =>
    `@CacheInvalidate on ${owner} gives cache ${JSON.stringify(cache) ?? String(cache)}: give an alias name, or leave it out for every alias.`,
  invalidateNotAsync: (owner: string) =>
    `${owner} has @CacheInvalidate but returned neither a Promise nor an Observable, so nothing could wait for ` +
    `its invalidations: make it async.`,
  invalidComputedTargets: (owner: string, option: string) =>
    `the ${option} function of @CacheInvalidate on ${owner} returned something other than a list of non-empty strings; ` +
    `the method ran, but nothing was invalidated`,
  invalidateFailedAfterRun: (owner: string) =>
    `${owner} ran, but its @CacheInvalidate did not take effect (the store failed; see cause), so entries may stay ` +
    `until their ttl. Calling ${owner} again would run it again: once the store is back, invalidate with InvalidationService.`,
  invalidateFailed: (owner: string) =>
    `${owner}: @CacheInvalidate could not reach the cache; the result is returned, but entries may stay until their ttl`,
  invalidEnabled: (value: unknown) =>
    `forRoot({ enabled }) is ${JSON.stringify(value) ?? String(value)}: give true (the default) or false.`,
};

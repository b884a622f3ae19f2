import { Injectable } from '@nestjs/common';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { CacheRegistry } from '../caches/cache.registry.js';

/** How one alias answered the health check. */
export interface AliasHealth {
  status: 'up' | 'down';
  /** Why it is down: the store's error message (no key or value is part of it). */
  message?: string;
}

/**
 * The result of `isHealthy(key)`, in the shape `@nestjs/terminus` health indicators return
 * (`HealthIndicatorResult`): `{ [key]: { status, aliases } }`, plus `down` naming the aliases
 * that failed.
 */
export type CacheMemoizeHealthResult<Key extends string = 'cache'> = {
  [K in Key]: { status: 'up' | 'down'; aliases: Record<string, AliasHealth>; down?: string[] };
};

/**
 * A health indicator for `@nestjs/terminus`: every Redis alias answers a PING within
 * `storeTimeout`. Memory and `{ cache }` aliases are not checked (a memory alias cannot be
 * down; a Cache handed in is its owner's to check). A two-tier alias is also down while it
 * does not hear invalidations (its lease lapsed), even if its Redis answers. It needs nothing
 * from Terminus at run time: its result has the shape Terminus reads, so apps without
 * Terminus can call it too.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.cache.isHealthy('cache')]); }
 * ```
 */
@Injectable()
export class CacheMemoizeHealthIndicator {
  constructor(
    private readonly registry: CacheRegistry,
    private readonly settings: CacheMemoizeSettings,
  ) {}

  /** Checks every Redis alias at once, each within `storeTimeout`; `down` when any failed. */
  async isHealthy<const Key extends string = 'cache'>(
    key: Key = 'cache' as Key,
  ): Promise<CacheMemoizeHealthResult<Key>> {
    const checked = this.registry.all().filter((alias) => alias.ping !== undefined);
    const answers = await Promise.allSettled(checked.map((alias) => alias.ping!()));
    const aliases: Record<string, AliasHealth> = {};
    const down: string[] = [];
    answers.forEach((answer, i) => {
      const name = checked[i]!.name;
      if (answer.status === 'fulfilled') aliases[name] = { status: 'up' };
      else {
        down.push(name);
        aliases[name] = { status: 'down', message: messageOf(answer.reason, this.settings.storeTimeoutMs) };
      }
    });
    const status = down.length ? 'down' : 'up';
    return { [key]: down.length ? { status, aliases, down } : { status, aliases } } as CacheMemoizeHealthResult<Key>;
  }
}

function messageOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error)
    return error.name === 'StoreTimeoutError' ? `no answer within ${timeoutMs}ms` : error.message;
  return String(error);
}

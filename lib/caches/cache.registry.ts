import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { Messages } from '../cache-memoize.messages.js';
import { CacheMemoizeSettings } from '../cache-memoize.settings.js';
import { CacheConfigError } from '../errors.js';
import type { CacheAlias } from './cache-alias.js';
import { createAlias } from './create-alias.js';
import { CacheMemoizeTelemetry } from '../observability/cache-memoize.telemetry.js';

/** The named caches of the application, built from `forRoot({ caches })`. */
@Injectable()
export class CacheRegistry implements OnApplicationShutdown {
  private readonly aliases = new Map<string, CacheAlias>();

  constructor(
    private readonly settings: CacheMemoizeSettings,
    telemetry: CacheMemoizeTelemetry,
  ) {
    for (const [name, definition] of Object.entries(settings.caches)) {
      const alias = createAlias(name, definition, settings);
      this.aliases.set(name, { ...alias, store: telemetry.timedStore(alias.store, alias.kind) });
    }
  }

  /** The cache-manager `Cache` of an alias (the default alias when none is named). */
  get(alias?: string): Cache {
    return this.alias(alias, 'CacheRegistry.get()').cache;
  }

  /** @internal The alias, or a CacheConfigError naming `where` it was asked for. */
  alias(name: string | undefined, where: string): CacheAlias {
    const alias = this.aliases.get(name ?? this.settings.defaultCache);
    if (!alias) throw new CacheConfigError(Messages.unknownAlias(name!, where, [...this.aliases.keys()]));
    return alias;
  }

  /** @internal */
  all(): CacheAlias[] {
    return [...this.aliases.values()];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.all().map((alias) => alias.store.close()));
  }
}

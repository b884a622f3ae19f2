import { Injectable } from '@nestjs/common';
import { MetadataScanner, Reflector } from '@nestjs/core';
import {
  CACHE_INVALIDATE_METADATA,
  CACHE_MEMOIZE_CONFIG_METADATA,
  CACHE_MEMOIZE_METADATA,
} from '../cache-memoize.constants.js';
import type { CacheInvalidateMetadata } from '../decorators/cache-invalidate.decorator.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';

/** A `@CacheMemoize` (or `@CacheInvalidate`) method of a class, as found on its prototype chain. */
interface MemoizedMethodSite<M = CacheMemoizeMetadata> {
  methodName: string;
  /** The method the prototype holds: the decorator's trampoline. */
  method: Function;
  metadata: M;
}

/** Every Reflector read of the library's metadata. */
@Injectable()
export class CacheMemoizeMetadataAccessor {
  constructor(
    private readonly reflector: Reflector,
    private readonly scanner: MetadataScanner,
  ) {}

  getMethodMetadata(method: Function): CacheMemoizeMetadata | undefined {
    return this.reflector.get(CACHE_MEMOIZE_METADATA, method);
  }

  /** The `@CacheMemoize` methods of `type`, inherited ones included. */
  getMemoizedMethods(type: Function): MemoizedMethodSite[] {
    return this.sitesOf<CacheMemoizeMetadata>(type, CACHE_MEMOIZE_METADATA);
  }

  /** The `@CacheInvalidate` methods of `type`, inherited ones included. */
  getInvalidatingMethods(type: Function): Array<MemoizedMethodSite<CacheInvalidateMetadata>> {
    return this.sitesOf<CacheInvalidateMetadata>(type, CACHE_INVALIDATE_METADATA);
  }

  private sitesOf<M>(type: Function, metadataKey: string): Array<MemoizedMethodSite<M>> {
    const sites: Array<MemoizedMethodSite<M>> = [];
    for (const methodName of this.scanner.getAllMethodNames(type.prototype)) {
      const method: Function = type.prototype[methodName];
      const metadata = this.reflector.get<M>(metadataKey, method);
      if (metadata) sites.push({ methodName, method, metadata });
    }
    return sites;
  }

  /** `@CacheMemoizeConfig` of the class or its nearest decorated ancestor. */
  getClassDefaults(type: Function): MemoizeDefaults | undefined {
    return this.reflector.get(CACHE_MEMOIZE_CONFIG_METADATA, type);
  }
}

import { Injectable } from '@nestjs/common';
import { MetadataScanner, Reflector } from '@nestjs/core';
import { CACHE_MEMOIZE_CONFIG_METADATA, CACHE_MEMOIZE_METADATA } from '../cache-memoize.constants.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';

/** A `@CacheMemoize` method of a class, as found on its prototype chain. */
interface MemoizedMethodSite {
  methodName: string;
  /** The method the prototype holds: the decorator's trampoline. */
  method: Function;
  metadata: CacheMemoizeMetadata;
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
    const sites: MemoizedMethodSite[] = [];
    for (const methodName of this.scanner.getAllMethodNames(type.prototype)) {
      const method: Function = type.prototype[methodName];
      const metadata = this.getMethodMetadata(method);
      if (metadata) sites.push({ methodName, method, metadata });
    }
    return sites;
  }

  /** `@CacheMemoizeConfig` of the class or its nearest decorated ancestor. */
  getClassDefaults(type: Function): MemoizeDefaults | undefined {
    return this.reflector.get(CACHE_MEMOIZE_CONFIG_METADATA, type);
  }
}

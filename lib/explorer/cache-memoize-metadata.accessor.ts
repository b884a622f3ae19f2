import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { CACHE_MEMOIZE_CONFIG_METADATA, CACHE_MEMOIZE_METADATA } from '../cache-memoize.constants.js';
import type { CacheMemoizeMetadata } from '../decorators/cache-memoize.decorator.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';

/** Every Reflector read of the library's metadata. */
@Injectable()
export class CacheMemoizeMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  getMethodMetadata(method: Function): CacheMemoizeMetadata | undefined {
    return this.reflector.get(CACHE_MEMOIZE_METADATA, method);
  }

  /** `@CacheMemoizeConfig` of the class or its nearest decorated ancestor. */
  getClassDefaults(type: Function): MemoizeDefaults | undefined {
    return this.reflector.get(CACHE_MEMOIZE_CONFIG_METADATA, type);
  }
}

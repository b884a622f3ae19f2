import { SetMetadata } from '@nestjs/common';
import { CACHE_MEMOIZE_CONFIG_METADATA } from '../cache-memoize.constants.js';
import type { MemoizeDefaults } from '../interfaces/memoize-options.interface.js';

/**
 * Defaults for every `@CacheMemoize` method of a class (and its subclasses); options on
 * a method win.
 *
 * ```ts
 * @CacheMemoizeConfig({ cache: 'shared', ttl: '10m' })
 * @Injectable()
 * export class CatalogService { ... }
 * ```
 */
export const CacheMemoizeConfig = (defaults: MemoizeDefaults): ClassDecorator =>
  SetMetadata(CACHE_MEMOIZE_CONFIG_METADATA, defaults);

import type { CacheDefinition } from '../../lib/index.js';

/** An alias kind a spec runs against: its name in the test title, and its definition on a Redis at `url`. */
export type AliasKind = [name: string, definition: (url: string) => CacheDefinition];

/** Both kinds of alias on Redis: the plain one, and one with a local tier in front. */
export const REDIS_ALIAS_KINDS: AliasKind[] = [
  ['a Redis alias', (url) => ({ store: 'redis', url })],
  ['a two-tier alias', (url) => ({ store: 'redis', url, local: {} })],
];

/** Every kind of alias: memory, and both on Redis. */
export const ALIAS_KINDS: AliasKind[] = [['a memory alias', () => ({ store: 'memory' })], ...REDIS_ALIAS_KINDS];

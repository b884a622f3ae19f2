export type CacheMemoizeEventType = 'hit' | 'miss' | 'stale' | 'refresh' | 'error' | 'invalidate' | 'bypass';

/** What `onEvent` receives. */
export interface CacheMemoizeEvent {
  type: CacheMemoizeEventType;
  /** The cache alias. */
  cache: string;
  /** The full key, or the tag, prefix or `*` invalidated. */
  key: string;
  className?: string;
  methodName?: string;
  /** How long the method ran, on a miss or refresh. */
  durationMs?: number;
  error?: unknown;
  /**
   * On a hit: `'local'` when it was answered in this process without a store call (a memory
   * alias, or the local tier of a two-tier alias), `'remote'` when it was read from a shared
   * store (Redis, a `{ cache }` alias).
   */
  tier?: 'local' | 'remote';
}

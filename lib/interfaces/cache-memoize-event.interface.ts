/** Where a hit was answered: in the process (a memory alias, a two-tier alias's local copy), or by the store. */
export type HitTier = 'local' | 'remote';

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
  /** On a hit: answered in the process (`'local'`) or by the store (`'remote'`). */
  tier?: HitTier;
}

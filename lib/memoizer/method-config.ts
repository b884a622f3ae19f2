import type { CacheMemoizeEvent } from '../interfaces/cache-memoize-event.interface.js';
import type { MemoizeContext, MemoizeResultContext } from '../interfaces/memoize-options.interface.js';
import type { KeyBuilder } from '../keys/key-builder.js';
import type { MethodInstruments } from '../observability/method-instruments.js';
import type { EntryScope, MemoStore } from '../stores/memo-store.interface.js';
import type { Duration } from '../utils/duration.js';

/** Why a method runs: a miss, an explicit `refresh()`, or a hit on an entry due for a refresh. */
export type RunReason = 'miss' | 'refresh' | 'due';

/**
 * How the method hands out its result, as far as bootstrap can tell: `'observable'` when its
 * declared return type says so; otherwise a Promise, until a run shows an Observable.
 */
export type ReturnMode = 'promise' | 'observable';

/**
 * Everything a memoized method needs at call time, resolved once at bootstrap from the
 * decorator, the class, the module and the root options (strongest first). The hot path
 * reads these plain fields and never merges options again.
 */
export interface MethodConfig {
  className: string;
  methodName: string;
  /** `Class.method`, for messages. */
  owner: string;
  alias: string;
  store: MemoStore;
  keys: KeyBuilder;
  scope: EntryScope;
  returnMode: ReturnMode;
  /** Fixed ttl in ms, or a function of the call and its result. */
  ttl: number | ((ctx: MemoizeResultContext) => Duration);
  tags?: readonly string[] | ((ctx: MemoizeResultContext) => string[]);
  skip?: (ctx: MemoizeContext) => boolean;
  unless?: (ctx: MemoizeResultContext) => boolean;
  storeResult: boolean;
  onHit?: (ctx: MemoizeResultContext) => void;
  onMiss?: (ctx: MemoizeContext) => void;
  refreshAfterMs?: number;
  staleIfErrorMs: number;
  timeoutMs?: number;
  hardTimeoutMs?: number;
  lock: 'process' | 'distributed' | false;
  clone: boolean;
  throwOnStoreError: boolean;
  onEvent?: (event: CacheMemoizeEvent) => void;
  /** What the method records through OpenTelemetry; a no-op when telemetry is off. */
  instruments: MethodInstruments;
}

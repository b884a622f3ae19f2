import { CacheConfigError } from '../errors.js';
import { MAX_TTL_MS } from '../cache-memoize.constants.js';
import { Messages } from '../cache-memoize.messages.js';

/** A number of milliseconds, or `<n><unit>` with unit `ms`, `s`, `m`, `h` or `d`. */
export type Duration = number | string;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** Milliseconds of `value`, or `undefined` when it is not a valid positive duration. */
export function toMilliseconds(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string') {
    const match = PATTERN.exec(value.trim());
    if (!match) return undefined;
    ms = Number(match[1]) * UNITS[match[2]];
  } else {
    return undefined;
  }
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

/** Parses a duration given at `where`, raising a CacheConfigError that names it. */
export function parseDuration(value: Duration, where: string): number {
  const ms = toMilliseconds(value);
  if (ms === undefined) throw new CacheConfigError(Messages.invalidDuration(value, where));
  return ms;
}

/** Like parseDuration, for an option that may be left out. */
export function parseOptionalDuration(value: Duration | undefined, where: string): number | undefined {
  return value === undefined ? undefined : parseDuration(value, where);
}

/** The longest delay Node's timers keep; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Like parseOptionalDuration, for a duration a timer waits for: at most about 24.8 days. */
export function parseTimerDuration(value: Duration | undefined, where: string): number | undefined {
  const ms = parseOptionalDuration(value, where);
  if (ms !== undefined && ms > MAX_TIMER_MS) throw new CacheConfigError(Messages.timerTooLong(value!, where));
  return ms;
}

/** Like parseOptionalDuration, for how long entries are kept: at most `MAX_TTL_MS` (a year). */
export function parseTtl(value: Duration | undefined, where: string): number | undefined {
  const ms = parseOptionalDuration(value, where);
  if (ms !== undefined && ms > MAX_TTL_MS) throw new CacheConfigError(Messages.ttlTooLong(value!, where));
  return ms;
}

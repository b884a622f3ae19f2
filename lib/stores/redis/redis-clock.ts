import { clearInterval, performance, setInterval } from '../../utils/real-time.js';

/** How often the offset to the Redis clock is measured again. */
const SAMPLE_EVERY_MS = 1_000;
/** Issued stamps may run a µs or two ahead of `TIME` (they never repeat, and a script issues at most twice): this much is taken off any reading. */
const ISSUE_MARGIN_US = 10;
/** How long a better sample is kept over later ones: 10 s, in µs. */
const KEEP_BEST_US = 10_000_000;
/** How far two clocks may drift apart between samples: 500 ppm, far above real quartz. */
const DRIFT = 5e-4;

/** Microseconds on a clock of this process that never jumps back. */
function localMicros(): number {
  return (performance.timeOrigin + performance.now()) * 1_000;
}

/**
 * Creation stamps on the clock of the Redis that holds the marks. Invalidation marks
 * are written with that server's TIME, so entries made by any process on any machine
 * compare against them on one clock. A stamp must not be later than the server's
 * present, or an invalidation racing the recompute could fail to void its result;
 * so it is a lower bound: the server time of the last sample, plus what elapsed here
 * since its reply came back, less a drift allowance. Being early only costs an extra
 * recompute right after an invalidation.
 */
export class RedisClock {
  /** Server µs minus local µs at the last reply; NaN before the first sample. */
  private offset = Number.NaN;
  private sampledAt = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The sample callers wait for while the clock has no reading (see firstSample). */
  private pending: Promise<void> | undefined;

  constructor(private readonly readServerTime: () => Promise<[string, string]>) {}

  /** Samples now and every second, without keeping the process alive. On each (re)connection it starts over: the server may be another one. */
  start(): void {
    this.offset = Number.NaN;
    this.sample().catch(() => undefined);
    this.timer ??= setInterval(() => this.sample().catch(() => undefined), SAMPLE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get synced(): boolean {
    return !Number.isNaN(this.offset);
  }

  /**
   * One sample shared by everything that waits for the clock's first reading on a connection
   * (stamps and reads of a client that has just connected), rather than one each.
   */
  firstSample(): Promise<void> {
    return (this.pending ??= this.sample().finally(() => (this.pending = undefined)));
  }

  async sample(): Promise<void> {
    const [seconds, micros] = await this.readServerTime();
    this.observe(Number(seconds) * 1_000_000 + Number(micros));
  }

  /**
   * A server time (µs) just read from a reply: `TIME`, or a stamp the Lua clock issued (an
   * invalidation's, a delete's), so that a miss right after an invalidation made here is
   * stamped after it. Each gives a lower bound (the reply was read after the server
   * answered, by however long this event loop was busy); the tightest one wins, so one read
   * late by a stalled or loaded process does not replace a better one still within its drift.
   */
  observe(serverMicros: number): void {
    const received = localMicros();
    const offset = serverMicros - ISSUE_MARGIN_US - received;
    const age = received - this.sampledAt;
    const kept = this.offset - age * DRIFT;
    if (Number.isNaN(kept) || offset >= kept || age > KEEP_BEST_US) {
      this.offset = offset;
      this.sampledAt = received;
    }
  }

  /** A server time in µs not after the present one, never lower than a previous answer. */
  now(): number {
    const local = localMicros();
    const stamp = Math.floor(local + this.offset - (local - this.sampledAt) * DRIFT);
    if (stamp > this.last) this.last = stamp;
    return this.last;
  }
}

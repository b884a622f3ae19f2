import { Logger } from '@nestjs/common';

const WINDOW_MS = 10_000;

/**
 * Logs store failures at most once per window and topic, then says how many were held
 * back: a Redis outage must not write a line per call.
 */
export class RateLimitedLogger {
  private readonly logger = new Logger('CacheMemoize');
  private readonly topics = new Map<string, { until: number; held: number }>();

  error(topic: string, message: string, error?: unknown): void {
    const now = Date.now();
    const state = this.topics.get(topic);
    if (state && state.until > now) {
      state.held++;
      return;
    }
    const held = state?.held ? ` (${state.held} more like it in the last ${WINDOW_MS / 1000}s)` : '';
    this.topics.set(topic, { until: now + WINDOW_MS, held: 0 });
    this.logger.error(`${message}${held}${error ? `: ${describe(error)}` : ''}`);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

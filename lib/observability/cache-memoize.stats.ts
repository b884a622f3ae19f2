import { Injectable } from '@nestjs/common';
import { MemoizedMethodRegistry } from '../memoizer/memoized-method.registry.js';

/** The counters of one memoized method. */
export interface MethodStatsSnapshot {
  cache: string;
  hits: number;
  /** Of the hits, those answered in the process: a memory alias, or a two-tier alias's local tier. */
  localHits: number;
  misses: number;
  stale: number;
  errors: number;
  /** Mean time the method ran, over its recomputes; 0 before the first. */
  meanRecomputeMs: number;
}

/** Counters of every memoized method of the application, since bootstrap. */
@Injectable()
export class CacheMemoizeStats {
  constructor(private readonly methods: MemoizedMethodRegistry) {}

  /** Per `Class.method`: hits, misses, stale values served, errors and mean recompute time. */
  snapshot(): Record<string, MethodStatsSnapshot> {
    const result: Record<string, MethodStatsSnapshot> = {};
    for (const memoized of this.methods.all()) {
      const { hits, localHits, misses, stale, errors, recomputes, recomputeMs } = memoized.stats;
      result[memoized.config.owner] = {
        cache: memoized.config.alias,
        hits,
        localHits,
        misses,
        stale,
        errors,
        meanRecomputeMs: recomputes ? recomputeMs / recomputes : 0,
      };
    }
    return result;
  }
}

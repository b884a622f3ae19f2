import { Controller, Get } from '@nestjs/common';
import { CacheMemoizeStats } from '../lib/index.js';

@Controller('stats')
export class StatsController {
  constructor(private readonly stats: CacheMemoizeStats) {}

  /** Hits, misses and mean recompute time of every memoized method. */
  @Get()
  snapshot() {
    return this.stats.snapshot();
  }
}

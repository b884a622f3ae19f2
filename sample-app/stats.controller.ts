import { Controller, Get } from '@nestjs/common';
import { CacheMemoizeStats } from '../lib/index.js';
import { PostsRepository } from './posts/posts.repository.js';

@Controller('stats')
export class StatsController {
  constructor(
    private readonly stats: CacheMemoizeStats,
    private readonly repository: PostsRepository,
  ) {}

  /** How many slow queries ran, and the hits, misses and mean recompute time of every memoized method. */
  @Get()
  snapshot() {
    return { queries: this.repository.queries, methods: this.stats.snapshot() };
  }
}

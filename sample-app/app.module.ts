import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { CacheMemoizeModule, type CacheMemoizeModuleOptions } from '../lib/index.js';
import { IndexController } from './index.controller.js';
import { PostsModule } from './posts/posts.module.js';
import { StatsController } from './stats.controller.js';

/**
 * Memory by default; `REDIS_URL=redis://127.0.0.1:6379 npm start` shares one cache between
 * instances, with a local tier in each (start a second one with `PORT=3001`).
 */
function cacheOptions(): CacheMemoizeModuleOptions {
  const url = process.env.REDIS_URL;
  return {
    // The sample's posts live in memory and are reset on every start, while Redis keeps what
    // the previous run cached: under a fixed namespace a restarted sample would serve pages
    // of posts it no longer has. A namespace per start makes each run begin clean (entries of
    // earlier runs expire with their ttl). An app whose data outlives it keeps one namespace.
    namespace: `sample-blog:${randomUUID().slice(0, 8)}`,
    caches: url
      ? { default: { store: 'redis', url, local: { lease: '1s' } } }
      : { default: { store: 'memory', max: 1_000 } },
  };
}

@Module({
  imports: [CacheMemoizeModule.forRoot(cacheOptions()), PostsModule],
  controllers: [IndexController, StatsController],
})
export class AppModule {}

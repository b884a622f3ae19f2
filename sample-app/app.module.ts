import { Module } from '@nestjs/common';
import { CacheMemoizeModule, type CacheMemoizeModuleOptions } from '../lib/index.js';
import { PostsModule } from './posts/posts.module.js';
import { StatsController } from './stats.controller.js';

/**
 * Memory by default; `REDIS_URL=redis://127.0.0.1:6379 npm start` shares one cache between
 * instances, with a local tier in each (start a second one with `PORT=3001`).
 */
function cacheOptions(): CacheMemoizeModuleOptions {
  const url = process.env.REDIS_URL;
  return {
    namespace: 'sample-blog',
    caches: url
      ? { default: { store: 'redis', url, local: { lease: '1s' } } }
      : { default: { store: 'memory', max: 1_000 } },
  };
}

@Module({
  imports: [CacheMemoizeModule.forRoot(cacheOptions()), PostsModule],
  controllers: [StatsController],
})
export class AppModule {}

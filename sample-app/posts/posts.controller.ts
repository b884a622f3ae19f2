import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import type { Post } from './post.js';
import { PostsRepository } from './posts.repository.js';
import { PostsService } from './posts.service.js';

@Controller('posts')
export class PostsController {
  constructor(
    private readonly posts: PostsService,
    private readonly repository: PostsRepository,
  ) {}

  /** The post with its related posts; `tookMs` and `queries` show what the cache saved. */
  @Get(':slug')
  async show(@Param('slug') slug: string) {
    const started = Date.now();
    const post = await this.posts.findBySlug(slug);
    const related = await this.posts.findRelated(post);
    return { post, related: related.map(({ slug, title }) => ({ slug, title })), tookMs: Date.now() - started, queries: this.repository.queries };
  }

  @Put(':slug')
  update(@Param('slug') slug: string, @Body() changes: Partial<Pick<Post, 'title' | 'keywords'>>): Promise<Post> {
    return this.posts.update(slug, changes);
  }
}

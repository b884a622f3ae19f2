import { Body, Controller, Get, Param, Put, UseInterceptors } from '@nestjs/common';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../lib/index.js';
import type { Post, PostChanges } from './post.js';
import { PostsService } from './posts.service.js';

interface PostPage {
  post: Post;
  related: Array<Pick<Post, 'id' | 'slug' | 'title'>>;
}

/** Public pages are cached whole (see the X-Cache header); the service memoizes the queries under them. */
@Controller('posts')
@UseInterceptors(CacheMemoizeInterceptor)
export class PostsController {
  constructor(private readonly posts: PostsService) {}

  @Get()
  @CacheMemoize({ ttl: '1m', tags: ['posts'] })
  async list(): Promise<Array<Pick<Post, 'slug' | 'title'>>> {
    return (await this.posts.list()).map(({ slug, title }) => ({ slug, title }));
  }

  /** Tagged with every post it shows, so updating any of them drops the page. */
  @Get(':slug')
  @CacheMemoize<[string], PostPage>({
    ttl: '1m',
    tags: ({ result }) => [`post:${result.post.id}`, ...result.related.map((p) => `post:${p.id}`)],
  })
  async show(@Param('slug') slug: string): Promise<PostPage> {
    const post = await this.posts.findBySlug(slug);
    const related = await this.posts.findRelated(post);
    return { post, related: related.map(({ id, slug, title }) => ({ id, slug, title })) };
  }

  /** The service's @CacheInvalidate has dropped every page showing the post by the time this answers. */
  @Put(':slug')
  update(@Param('slug') slug: string, @Body() changes: PostChanges): Promise<Post> {
    return this.posts.update(slug, changes);
  }
}

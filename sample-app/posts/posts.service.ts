import { Injectable } from '@nestjs/common';
import { CacheMemoize, InvalidationService } from '../../lib/index.js';
import type { Post } from './post.js';
import { PostsRepository } from './posts.repository.js';

@Injectable()
export class PostsService {
  constructor(
    private readonly repository: PostsRepository,
    private readonly invalidation: InvalidationService,
  ) {}

  @CacheMemoize({ ttl: '10m', tags: ['posts'] })
  async list(): Promise<Post[]> {
    return this.repository.list();
  }

  @CacheMemoize({ ttl: '10m', tags: ({ result }) => [`post:${(result as Post).id}`] })
  async findBySlug(slug: string): Promise<Post> {
    return this.repository.findBySlug(slug);
  }

  /** Each related post tags the entry, so changing any of them drops it. */
  @CacheMemoize({
    ttl: '1h',
    key: (post: Post) => post.id,
    tags: ({ args: [post], result }) => [
      `post:${post.id}`,
      ...(result as Post[]).map((related) => `post:${related.id}`),
    ],
  })
  async findRelated(post: Post): Promise<Post[]> {
    return this.repository.findRelated(post);
  }

  /** Saves, drops every cached result that showed this post, and warms the post's own entries again. */
  async update(slug: string, changes: Partial<Pick<Post, 'title' | 'keywords'>>): Promise<Post> {
    const post = await this.repository.update(slug, changes);
    await this.invalidation.invalidateTags([`post:${post.id}`, 'posts']);
    await this.invalidation.refresh(PostsService, 'findRelated', post);
    return this.invalidation.refresh(PostsService, 'findBySlug', slug);
  }
}

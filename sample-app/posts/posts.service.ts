import { Injectable } from '@nestjs/common';
import { CacheInvalidate, CacheMemoize } from '../../lib/index.js';
import type { Post, PostChanges } from './post.js';
import { PostsRepository } from './posts.repository.js';

@Injectable()
export class PostsService {
  constructor(private readonly repository: PostsRepository) {}

  @CacheMemoize({ ttl: '10m', tags: ['posts'] })
  async list(): Promise<Post[]> {
    return this.repository.list();
  }

  @CacheMemoize<[string], Post>({ ttl: '10m', tags: ({ result }) => [`post:${result.id}`] })
  async findBySlug(slug: string): Promise<Post> {
    return this.repository.findBySlug(slug);
  }

  /** Each related post tags the entry, so changing any of them drops it. */
  @CacheMemoize<[Post], Post[]>({
    ttl: '1h',
    key: (post) => post.id,
    tags: ({ args: [post], result }) => [`post:${post.id}`, ...result.map((related) => `post:${related.id}`)],
  })
  async findRelated(post: Post): Promise<Post[]> {
    return this.repository.findRelated(post);
  }

  /**
   * Saves, then drops every cached result that showed this post (its page, the pages that
   * list it as related, the list) before the caller, and so the HTTP response, gets it.
   */
  @CacheInvalidate<[string, PostChanges], Post>({ tags: ({ result }) => [`post:${result.id}`, 'posts'] })
  async update(slug: string, changes: PostChanges): Promise<Post> {
    return this.repository.update(slug, changes);
  }
}

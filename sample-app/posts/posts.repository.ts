import { Injectable, NotFoundException } from '@nestjs/common';
import type { Post } from './post.js';

const SLOW_QUERY_MS = 150;

/** Stands in for a database: every query is slow and counted, so caching shows. */
@Injectable()
export class PostsRepository {
  queries = 0;
  private readonly posts: Post[] = [
    {
      id: 1,
      slug: 'hello-nest',
      title: 'Hello, Nest',
      keywords: ['nest', 'intro'],
      publishedAt: new Date('2026-01-05'),
    },
    {
      id: 2,
      slug: 'caching-101',
      title: 'Caching 101',
      keywords: ['cache', 'intro'],
      publishedAt: new Date('2026-02-10'),
    },
    {
      id: 3,
      slug: 'redis-in-prod',
      title: 'Redis in production',
      keywords: ['cache', 'redis'],
      publishedAt: new Date('2026-03-15'),
    },
    {
      id: 4,
      slug: 'stampedes',
      title: 'Cache stampedes',
      keywords: ['cache', 'redis', 'nest'],
      publishedAt: new Date('2026-04-20'),
    },
  ];

  async list(): Promise<Post[]> {
    await this.query();
    return this.posts.map((post) => ({ ...post }));
  }

  async findBySlug(slug: string): Promise<Post> {
    await this.query();
    const post = this.posts.find((candidate) => candidate.slug === slug);
    if (!post) throw new NotFoundException(`No post '${slug}'`);
    return { ...post };
  }

  /** Posts sharing a keyword with `post`, newest first. */
  async findRelated(post: Post): Promise<Post[]> {
    await this.query();
    return this.posts
      .filter((other) => other.id !== post.id && other.keywords.some((k) => post.keywords.includes(k)))
      .sort((a, b) => b.publishedAt.getTime() - a.publishedAt.getTime())
      .map((other) => ({ ...other }));
  }

  async update(slug: string, changes: Partial<Pick<Post, 'title' | 'keywords'>>): Promise<Post> {
    await this.query();
    const post = this.posts.find((candidate) => candidate.slug === slug);
    if (!post) throw new NotFoundException(`No post '${slug}'`);
    Object.assign(post, changes);
    return { ...post };
  }

  private async query(): Promise<void> {
    this.queries++;
    await new Promise((resolve) => setTimeout(resolve, SLOW_QUERY_MS));
  }
}

import { Body, Controller, Delete, Get, Param, ParseIntPipe, Post, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, InvalidationService } from '../../../lib/index.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

interface Post {
  id: number;
  title: string;
  draft?: boolean;
}

@Controller('posts')
@UseInterceptors(CacheMemoizeInterceptor)
class PostsController {
  readonly runs = new Runs();
  private readonly posts = new Map<number, Post>([
    [1, { id: 1, title: 'Hello' }],
    [2, { id: 2, title: 'World' }],
    [3, { id: 3, title: 'Soon', draft: true }],
  ]);

  constructor(private readonly invalidation: InvalidationService) {}

  @Get()
  @CacheMemoize({ ttl: '1m', tags: ['posts'] })
  async list(): Promise<object> {
    return { titles: [...this.posts.values()].map((post) => post.title), run: this.runs.count('list') };
  }

  @Get(':id')
  @CacheMemoize<[number], Post & { run: number }>({
    ttl: '1m',
    key: (id) => id,
    tags: ({ result }) => [`post:${result!.id}`],
    unless: ({ result }) => result!.draft === true,
  })
  async one(@Param('id', ParseIntPipe) id: number): Promise<Post & { run: number }> {
    return { ...this.posts.get(id)!, run: this.runs.count(`one:${id}`) };
  }

  @Post(':id')
  async rename(@Param('id', ParseIntPipe) id: number, @Body('title') title: string): Promise<Post> {
    const post = { ...this.posts.get(id)!, title };
    this.posts.set(id, post);
    await this.invalidation.invalidateTags([`post:${id}`, 'posts']);
    return post;
  }

  @Delete('cache')
  async clear(): Promise<void> {
    await this.invalidation.invalidatePrefix('PostsController');
  }
}

describe.each(HTTP_MATRIX)('CacheMemoizeInterceptor on %s with a %s cache: invalidation', (platform, store) => {
  let http: HttpApp;
  let runs: Runs;
  const get = (path: string) => request(http.server).get(path);

  beforeEach(async () => {
    http = await startHttpApp(platform, store, { controllers: [PostsController] });
    runs = http.app.get(PostsController).runs;
  });
  afterEach(() => http.close());

  it('drops the entries of a tag that a POST handler invalidates, and only those', async () => {
    await get('/posts').expect(200);
    await get('/posts/1').expect(200);
    await get('/posts/2').expect(200);
    await request(http.server).post('/posts/1').send({ title: 'Hello again' }).expect(201);
    const list = await get('/posts').expect(200);
    const renamed = await get('/posts/1').expect(200);
    const untouched = await get('/posts/2').expect(200);
    expect(list.headers['x-cache']).toBe('MISS');
    expect(list.body.titles).toEqual(['Hello again', 'World', 'Soon']);
    expect(renamed.headers['x-cache']).toBe('MISS');
    expect(renamed.body).toEqual({ id: 1, title: 'Hello again', run: 2 });
    expect(untouched.headers['x-cache']).toBe('HIT');
  });

  it('drops every entry of a controller with invalidatePrefix', async () => {
    await get('/posts').expect(200);
    await get('/posts/2').expect(200);
    await request(http.server).delete('/posts/cache').expect(200);
    expect((await get('/posts').expect(200)).headers['x-cache']).toBe('MISS');
    expect((await get('/posts/2').expect(200)).headers['x-cache']).toBe('MISS');
  });

  it('shows tags and unless the body, so a draft is never stored', async () => {
    await get('/posts/3').expect(200);
    const again = await get('/posts/3').expect(200);
    expect(again.headers['x-cache']).toBe('MISS');
    expect(runs.of('one:3')).toBe(2);
  });
});

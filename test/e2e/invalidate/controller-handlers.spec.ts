import {
  Body,
  Controller,
  Get,
  NotFoundException,
  Param,
  ParseIntPipe,
  Put,
  Scope,
  UseInterceptors,
} from '@nestjs/common';
import request from 'supertest';
import { CacheInvalidate, CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

interface Post {
  id: number;
  title: string;
}

const posts = new Map<number, Post>();
const runs = new Runs();

function reset(): void {
  posts.clear();
  posts.set(1, { id: 1, title: 'Hello' });
  posts.set(2, { id: 2, title: 'World' });
}

@Controller('posts')
@UseInterceptors(CacheMemoizeInterceptor)
class PostsController {
  @Get()
  @CacheMemoize({ ttl: '1h', tags: ['posts'] })
  async list(): Promise<object> {
    return { titles: [...posts.values()].map((post) => post.title), run: runs.count('list') };
  }

  @Get(':id')
  @CacheMemoize({ ttl: '1h', tags: ({ result }) => [`post:${(result as Post).id}`] })
  async one(@Param('id', ParseIntPipe) id: number): Promise<Post & { run: number }> {
    const post = posts.get(id);
    if (!post) throw new NotFoundException();
    return { ...post, run: runs.count(`one:${id}`) };
  }

  /** The route's response is sent only once the tags are invalidated. */
  @Put(':id')
  @CacheInvalidate<[number, string], Post>({ tags: ({ args: [id] }) => [`post:${id}`, 'posts'] })
  async rename(@Param('id', ParseIntPipe) id: number, @Body('title') title: string): Promise<Post> {
    const post = posts.get(id);
    if (!post) throw new NotFoundException();
    post.title = title;
    return { ...post };
  }
}

/** Request-scoped controllers are made per request, after bootstrap: they are served through their class. */
@Controller({ path: 'scoped', scope: Scope.REQUEST })
class ScopedController {
  @Put(':id')
  @CacheInvalidate({ tags: ['posts'] })
  async rename(@Param('id', ParseIntPipe) id: number, @Body('title') title: string): Promise<Post> {
    posts.get(id)!.title = title;
    return posts.get(id)!;
  }
}

describe.each(HTTP_MATRIX)('@CacheInvalidate on controller handlers (%s, %s)', (platform, store) => {
  let http: HttpApp;

  beforeEach(async () => {
    reset();
    http = await startHttpApp(platform, store, { controllers: [PostsController, ScopedController] });
  });
  afterEach(() => http.close());

  it('answers a write only once its tags are invalidated: the next read is a MISS with the new data', async () => {
    await request(http.server).get('/posts/1').expect(200).expect('x-cache', 'MISS');
    await request(http.server).get('/posts').expect(200).expect('x-cache', 'MISS');
    await request(http.server).get('/posts/2').expect(200).expect('x-cache', 'MISS');
    await request(http.server).get('/posts/1').expect(200).expect('x-cache', 'HIT');

    const put = await request(http.server).put('/posts/1').send({ title: 'Bonjour' }).expect(200);
    expect(put.body).toEqual({ id: 1, title: 'Bonjour' });

    const one = await request(http.server).get('/posts/1').expect(200).expect('x-cache', 'MISS');
    expect(one.body.title).toBe('Bonjour');
    const list = await request(http.server).get('/posts').expect(200).expect('x-cache', 'MISS');
    expect(list.body.titles).toEqual(['Bonjour', 'World']);
    await request(http.server).get('/posts/2').expect(200).expect('x-cache', 'HIT');
  });

  it('invalidates nothing when the handler throws', async () => {
    await request(http.server).get('/posts').expect(200).expect('x-cache', 'MISS');
    await request(http.server).put('/posts/9').send({ title: 'x' }).expect(404);
    await request(http.server).get('/posts').expect(200).expect('x-cache', 'HIT');
  });

  it('works on request-scoped controllers', async () => {
    await request(http.server).get('/posts').expect(200).expect('x-cache', 'MISS');
    await request(http.server).put('/scoped/2').send({ title: 'Welt' }).expect(200);
    const list = await request(http.server).get('/posts').expect(200).expect('x-cache', 'MISS');
    expect(list.body.titles).toEqual(['Hello', 'Welt']);
  });
});

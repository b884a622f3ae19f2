import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../sample-app/app.module.js';

describe('the sample blog', () => {
  let app: INestApplication;
  const queries = async () => (await request(app.getHttpServer()).get('/stats').expect(200)).body.queries as number;

  beforeAll(async () => {
    delete process.env.REDIS_URL;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
  });
  afterAll(() => app.close());

  it('serves a post page from the cache the second time, without a query', async () => {
    const first = await request(app.getHttpServer()).get('/posts/caching-101').expect(200).expect('x-cache', 'MISS');
    const before = await queries();
    const second = await request(app.getHttpServer()).get('/posts/caching-101').expect(200).expect('x-cache', 'HIT');
    expect(first.body.related.map((post: { slug: string }) => post.slug)).toEqual([
      'stampedes',
      'redis-in-prod',
      'hello-nest',
    ]);
    expect(second.body).toEqual(first.body);
    expect(await queries()).toBe(before);
    const stats = await request(app.getHttpServer()).get('/stats').expect(200);
    expect(stats.body.methods['PostsController.show']).toMatchObject({ hits: 1, misses: 1 });
  });

  it('drops and re-warms every cached result showing a post when it is updated', async () => {
    await request(app.getHttpServer()).get('/posts/hello-nest').expect(200);
    await request(app.getHttpServer()).get('/posts').expect(200);
    await request(app.getHttpServer()).put('/posts/stampedes').send({ title: 'Stampedes, tamed' }).expect(200);
    const page = await request(app.getHttpServer()).get('/posts/hello-nest').expect(200).expect('x-cache', 'MISS');
    expect(page.body.related.map((post: { title: string }) => post.title)).toContain('Stampedes, tamed');
    const list = await request(app.getHttpServer()).get('/posts').expect(200).expect('x-cache', 'MISS');
    expect(list.body.map((post: { title: string }) => post.title)).toContain('Stampedes, tamed');
    const stats = await request(app.getHttpServer()).get('/stats').expect(200);
    expect(stats.body.methods['PostsService.findBySlug'].hits).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown post, and caches neither the page nor the error', async () => {
    await request(app.getHttpServer()).get('/posts/nope').expect(404);
    const before = await queries();
    await request(app.getHttpServer()).get('/posts/nope').expect(404);
    expect(await queries()).toBe(before + 1);
  });
});

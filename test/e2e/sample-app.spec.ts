import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../sample-app/app.module.js';

describe('the sample blog', () => {
  let app: INestApplication;

  beforeAll(async () => {
    delete process.env.REDIS_URL;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
  });
  afterAll(() => app.close());

  it('serves a post and its related posts from the cache the second time', async () => {
    const first = await request(app.getHttpServer()).get('/posts/caching-101').expect(200);
    const second = await request(app.getHttpServer()).get('/posts/caching-101').expect(200);
    expect(first.body.related.map((post: { slug: string }) => post.slug)).toEqual(['stampedes', 'redis-in-prod', 'hello-nest']);
    expect(second.body.queries).toBe(first.body.queries);
    expect(second.body.related).toEqual(first.body.related);
  });

  it('drops and re-warms every cached result showing a post when it is updated', async () => {
    await request(app.getHttpServer()).get('/posts/hello-nest').expect(200);
    await request(app.getHttpServer()).put('/posts/stampedes').send({ title: 'Stampedes, tamed' }).expect(200);
    const related = await request(app.getHttpServer()).get('/posts/hello-nest').expect(200);
    expect(related.body.related.map((post: { title: string }) => post.title)).toContain('Stampedes, tamed');
    const own = await request(app.getHttpServer()).get('/posts/stampedes').expect(200);
    expect(own.body.post.title).toBe('Stampedes, tamed');
    const stats = await request(app.getHttpServer()).get('/stats').expect(200);
    expect(stats.body['PostsService.findRelated'].hits).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown post, and does not cache the error', async () => {
    await request(app.getHttpServer()).get('/posts/nope').expect(404);
    const stats = await request(app.getHttpServer()).get('/stats').expect(200);
    const misses = stats.body['PostsService.findBySlug'].misses;
    await request(app.getHttpServer()).get('/posts/nope').expect(404);
    const after = await request(app.getHttpServer()).get('/stats').expect(200);
    expect(after.body['PostsService.findBySlug'].misses).toBe(misses + 1);
  });
});

import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { AppModule } from '../../sample-app/app.module.js';
import { provideRedis } from '../support/redis-harness.js';

async function startSample(): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  return moduleRef.createNestApplication({ logger: false }).init();
}

describe('the sample blog', () => {
  let app: INestApplication;
  const queries = async () => (await request(app.getHttpServer()).get('/stats').expect(200)).body.queries as number;

  beforeAll(async () => {
    delete process.env.REDIS_URL;
    app = await startSample();
  });
  afterAll(() => app.close());

  it('serves an index of its routes with curl commands at /', async () => {
    const index = await request(app.getHttpServer()).get('/').set('host', 'localhost:4321').expect(200);
    expect(index.headers['content-type']).toMatch(/^text\/plain/);
    expect(index.text).toContain('curl -i http://localhost:4321/posts/caching-101');
    expect(index.text).toContain(
      `curl -i -X PUT -H 'content-type: application/json' -d '{"title":"Stampedes, tamed"}' http://localhost:4321/posts/stampedes`,
    );
    expect(index.text).toContain('/stats');
  });

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

  it('drops every cached result showing a post when it is updated (@CacheInvalidate), and keeps the rest', async () => {
    await request(app.getHttpServer()).get('/posts/hello-nest').expect(200);
    await request(app.getHttpServer()).get('/posts').expect(200);
    await request(app.getHttpServer()).get('/posts/stampedes').expect(200);
    await request(app.getHttpServer()).get('/posts/hello-nest').expect(200).expect('x-cache', 'HIT');
    const before = await queries();

    await request(app.getHttpServer()).put('/posts/stampedes').send({ title: 'Stampedes, tamed' }).expect(200);
    expect(await queries()).toBe(before + 1);

    // hello-nest lists stampedes as related: its page and its related posts are recomputed...
    const page = await request(app.getHttpServer()).get('/posts/hello-nest').expect(200).expect('x-cache', 'MISS');
    expect(page.body.related.map((post: { title: string }) => post.title)).toContain('Stampedes, tamed');
    const list = await request(app.getHttpServer()).get('/posts').expect(200).expect('x-cache', 'MISS');
    expect(list.body.map((post: { title: string }) => post.title)).toContain('Stampedes, tamed');
    const own = await request(app.getHttpServer()).get('/posts/stampedes').expect(200).expect('x-cache', 'MISS');
    expect(own.body.post.title).toBe('Stampedes, tamed');
    // ...while hello-nest's own post, which did not change, still comes from the service's cache.
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

describe('the sample blog on Redis', () => {
  it('starts clean each time: a restart does not serve what the previous run cached', async () => {
    const redis = await provideRedis();
    if (!redis) return;
    process.env.REDIS_URL = redis.url;
    try {
      const first = await startSample();
      await request(first.getHttpServer())
        .put('/posts/hello-nest')
        .send({ title: 'Only in the first run' })
        .expect(200);
      const page = await request(first.getHttpServer()).get('/posts/hello-nest').expect(200).expect('x-cache', 'MISS');
      expect(page.body.post.title).toBe('Only in the first run');
      await request(first.getHttpServer()).get('/posts/hello-nest').expect(200).expect('x-cache', 'HIT');
      await first.close();

      const second = await startSample();
      try {
        const fresh = await request(second.getHttpServer())
          .get('/posts/hello-nest')
          .expect(200)
          .expect('x-cache', 'MISS');
        expect(fresh.body.post.title).toBe('Hello, Nest');
      } finally {
        await second.close();
      }
    } finally {
      delete process.env.REDIS_URL;
      await redis.release();
    }
  });
});

describe('npm start on a busy port', () => {
  it('exits with a one-line hint naming PORT, not a stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', 'sample-app/main.ts'], {
        env: { ...process.env, PORT: String(port), REDIS_URL: '', NODE_OPTIONS: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toEqual([`Port ${port} is already in use: start on another one with PORT=${port + 1} npm start`]);
    } finally {
      busy.close();
    }
  }, 60_000);
});

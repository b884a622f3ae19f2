import { Controller, Get, Injectable, Param, type PipeTransform, UseInterceptors } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, InvalidationService } from '../../../lib/index.js';
import { type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';

/**
 * A route with `key` runs its pipes before the key is known, so before its execution starts:
 * what a pipe read (the entity it loads) was once stored as computed after an invalidation
 * that resolved while the pipe waited. The store's stamp is now taken before the pipes run.
 * Found by a hostile review; failed 4 of 4 on Express and Fastify before the fix.
 */

/** The data: a post's title, and a gate that holds a read after it took its snapshot (slow I/O). */
const db = { title: 'v1', gate: undefined as Latch | undefined, reads: 0 };

/** The common "load the entity in a pipe" pattern: @Param('id', PostByIdPipe) post: Post. */
@Injectable()
class PostByIdPipe implements PipeTransform<string, Promise<{ id: number; title: string }>> {
  async transform(id: string): Promise<{ id: number; title: string }> {
    const snapshot = { id: Number(id), title: db.title };
    db.reads++;
    if (db.gate) await db.gate.opened;
    return snapshot;
  }
}

@Controller('lrp')
@UseInterceptors(CacheMemoizeInterceptor)
class LrpController {
  @Get(':id')
  @CacheMemoize({ ttl: '1m', tags: ['post'], key: (post: { id: number }) => post.id })
  async show(@Param('id', PostByIdPipe) post: { id: number; title: string }): Promise<object> {
    return post;
  }

  /** Control: the same route without `key` (pipes run inside the computation). */
  @Get('unkeyed/:id')
  @CacheMemoize({ ttl: '1m', tags: ['post'] })
  async unkeyed(@Param('id', PostByIdPipe) post: { id: number; title: string }): Promise<object> {
    return post;
  }
}

describe.each([['express'], ['fastify']] as const)('a keyed route on %s whose pipe reads the data', (platform) => {
  let http: HttpApp;
  beforeEach(async () => {
    db.title = 'v1';
    db.gate = undefined;
    db.reads = 0;
    http = await startHttpApp(platform, 'memory', { controllers: [LrpController] });
  });
  afterEach(() => http.close());

  it.each([
    ['with key', '/lrp/1'],
    ['without key (the pipes run inside the execution)', '/lrp/unkeyed/1'],
  ])('%s: never serves a request that starts after invalidateTags the body read before it', async (_, path) => {
    const inv = http.app.get(InvalidationService);
    db.gate = new Latch();
    const firstP = request(http.server)
      .get(path)
      .then((r) => r); // pipe reads v1, held in I/O
    await until(() => db.reads === 1);
    db.title = 'v2'; // the write
    await inv.invalidateTags('post'); // ...and its invalidation, resolved
    const gate = db.gate;
    db.gate = undefined;
    gate.open();
    const first = await firstP; // began before the invalidation: v1 is fine for it
    expect(first.body.title).toBe('v1');
    // A request that starts after the invalidation resolved must not get v1.
    const after = await request(http.server).get(path);
    expect([after.headers['x-cache'], after.body.title]).toEqual(['MISS', 'v2']);
  });
});

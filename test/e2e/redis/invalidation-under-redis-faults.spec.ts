import { Injectable, type INestApplication } from '@nestjs/common';
import { CacheMemoize, CacheStoreError, InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { Gate } from '../../fixtures/gate.js';
import { closeWhenReconnected, requireRedisServer, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer, waitFor } from '../../support/redis-server.js';

let version = 1;

@Injectable()
class Articles {
  @CacheMemoize({ ttl: '1h', tags: ['article'] })
  async article(id: number): Promise<number> {
    return version;
  }
}

/** A method whose computation a test holds open across a Redis crash. */
@Injectable()
class Drafts {
  readonly gate = new Gate();

  @CacheMemoize({ ttl: '1h' })
  async draft(id: number): Promise<number> {
    const seen = version;
    await this.gate.pass();
    return seen;
  }
}

type Kind = 'invalidate' | 'invalidateTags' | 'invalidatePrefix' | 'invalidateAll' | 'refresh';
const kinds: Kind[] = ['invalidate', 'invalidateTags', 'invalidatePrefix', 'invalidateAll', 'refresh'];

function run(invalidation: InvalidationService, kind: Kind): Promise<unknown> {
  switch (kind) {
    case 'invalidate':
      return invalidation.invalidate(Articles, 'article', 1);
    case 'invalidateTags':
      return invalidation.invalidateTags('article');
    case 'invalidatePrefix':
      return invalidation.invalidatePrefix('Articles');
    case 'invalidateAll':
      return invalidation.invalidateAll();
    case 'refresh':
      return invalidation.refresh(Articles, 'article', 1);
  }
}

/**
 * An invalidation either takes effect before it resolves or rejects with CacheStoreError:
 * against a Redis that hangs (CLIENT PAUSE) and one killed and restarted while it runs.
 */
(requireRedisServer() ? describe : describe.skip)('invalidations against a failing Redis', () => {
  let server: RedisServer;
  let app: INestApplication;
  let namespace: string;

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(() => server.stop());
  beforeEach(async () => {
    version = 1;
    namespace = uniqueNamespace('inval-faults');
    app = await createApp(
      { providers: [Articles, Drafts] },
      {
        namespace,
        storeTimeout: 200,
        caches: { default: { store: 'redis', url: server.url } },
      },
    );
  });
  afterEach(() => closeWhenReconnected(app));

  it.each(kinds)('%s against a paused Redis rejects with CacheStoreError', async (kind) => {
    expect(await app.get(Articles).article(1)).toBe(1);
    await server.cli('CLIENT', 'PAUSE', '1500', 'ALL');
    version = 2;
    const outcome = await run(app.get(InvalidationService), kind).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await waitFor(async () => (await server.cli('PING')) === 'PONG', 'the pause to end');
    expect(outcome).toBeInstanceOf(CacheStoreError);
  });

  it.each(kinds)('%s while Redis restarts either rejects with CacheStoreError or took effect', async (kind) => {
    expect(await app.get(Articles).article(1)).toBe(1);
    version = 2;
    const invalidation = run(app.get(InvalidationService), kind).then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await server.kill('SIGKILL');
    await server.restart();
    const outcome = await invalidation;
    if (outcome !== 'resolved') {
      expect(outcome).toBeInstanceOf(CacheStoreError);
      return;
    }
    await waitFor(async () => (await server.cli('PING')) === 'PONG', 'redis back');
    expect(await app.get(Articles).article(1)).toBe(2);
  });

  it('a computation that began before invalidate() cannot store its result in a Redis restarted empty', async () => {
    // Nothing of the invalidation survives the crash (no persistence): the tombstone, the last-delete
    // stamp and the clock are gone. The next reading of the clock re-creates it at the present, and
    // every computation stamped before counts as overtaken (it once came back a minute behind).
    const drafts = app.get(Drafts);
    drafts.gate.close();
    const running = drafts.draft(1);
    await drafts.gate.whenReached();
    version = 2;
    await app.get(InvalidationService).invalidate(Drafts, 'draft', 1);
    await server.kill('SIGKILL');
    await server.restart();
    const clock = `{${namespace}:__marks}:default:clock`;
    await waitFor(async () => (await server.cli('EXISTS', clock)) === '1', 'the clock to be read again');
    drafts.gate.openUp();
    expect(await running).toBe(1);
    expect(await drafts.draft(1)).toBe(2);
  });
});

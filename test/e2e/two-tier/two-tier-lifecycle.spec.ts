import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheConfigError, CacheMemoize, CacheMemoizeModule, type LocalTierOptions } from '../../../lib/index.js';
import { provideRedis, uniqueNamespace } from '../../support/redis-harness.js';
import { RedisServer } from '../../support/redis-server.js';

const redis = await provideRedis();
afterAll(() => redis?.release());

@Injectable()
class Plain {
  @CacheMemoize('1m')
  async value(): Promise<number> {
    return 1;
  }
}

async function bootstrap(local: unknown) {
  @Module({
    imports: [
      CacheMemoizeModule.forRoot({
        caches: { shared: { store: 'redis', url: 'redis://127.0.0.1:1', local: local as LocalTierOptions } },
        defaultCache: 'shared',
      }),
    ],
    providers: [Plain],
  })
  class AppModule {}
  const app = (await Test.createTestingModule({ imports: [AppModule] }).compile()).createNestApplication();
  await app.init();
  return app;
}

describe('the local option of a Redis alias, at bootstrap', () => {
  it.each([
    ['not an object', 'yes', /Cache alias 'shared' has a local option that is not an object/],
    ['an unknown option', { maxx: 10 }, /Cache alias 'shared' has local.maxx, which is not an option/],
    ['a max that is not a positive whole number', { max: 0 }, /Cache alias 'shared' has local.max 0/],
    ['a lease that is not a duration', { lease: 'soon' }, /"soon" for cache alias 'shared' \(local.lease\)/],
    ['a ttl that is not a duration', { ttl: -1 }, /-1 for cache alias 'shared' \(local.ttl\)/],
  ])('rejects %s with a CacheConfigError naming the alias', async (_, local, message) => {
    const failure = bootstrap(local);
    await expect(failure).rejects.toThrow(CacheConfigError);
    await expect(failure).rejects.toThrow(message);
  });
});

(redis ? describe : describe.skip)('a two-tier alias at shutdown', () => {
  it('closes every connection and timer: the process exits on its own after app.close()', async () => {
    const script = fileURLToPath(new URL('../../fixtures/two-tier-exit.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', '--no-warnings', script], {
      env: { ...process.env, NODE_OPTIONS: '', REDIS_URL: redis!.url, CACHE_NAMESPACE: uniqueNamespace('exit') },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exit = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve('still running 60s later');
      }, 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? -1);
      });
    });
    expect({ exit, output: output.trim() }).toEqual({ exit: 0, output: 'closed' });
  }, 90_000);

  it('leaves no socket or timer behind after app.close() when Redis stopped answering', async () => {
    const server = await RedisServer.start();
    try {
      const script = fileURLToPath(new URL('../../fixtures/two-tier-exit.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', '--no-warnings', script], {
        env: {
          ...process.env,
          NODE_OPTIONS: '',
          REDIS_URL: server.url,
          CACHE_NAMESPACE: uniqueNamespace('exit'),
          CLOSE_ON_INPUT: '1',
        },
      });
      let output = '';
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve) =>
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('ready')) resolve();
        }),
      );
      server.freeze(); // its connections stay open, and nothing is answered any more
      child.stdin.write('close\n');
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      // Not a socket left closing, nor ioredis's timer that would destroy it 2 s later.
      expect({ code, output: output.trim() }).toEqual({ code: 0, output: 'ready\nclosed\nheld: nothing' });
    } finally {
      server.thaw();
      await server.stop();
    }
  }, 90_000);
});

import { Controller, Injectable, Put } from '@nestjs/common';
import { CacheConfigError, CacheInvalidate, CacheMemoizeModule, type InvalidateOptions } from '../../../lib/index.js';
import { bootstrapFailure } from '../../fixtures/create-app.js';

/** Bootstraps an app whose provider (or controller) method carries `options`; resolves to the error raised. */
async function bootstrapError(options: unknown, on: 'provider' | 'controller' = 'provider'): Promise<Error> {
  @Injectable()
  class PostsService {
    @CacheInvalidate(options as InvalidateOptions)
    async update(): Promise<number> {
      return 1;
    }
  }
  @Controller('posts')
  class PostsController {
    @Put()
    @CacheInvalidate(options as InvalidateOptions)
    async update(): Promise<number> {
      return 1;
    }
  }
  return bootstrapFailure({
    imports: [CacheMemoizeModule.forRoot({ caches: { default: { store: 'memory' }, other: { store: 'memory' } } })],
    providers: on === 'provider' ? [PostsService] : [],
    controllers: on === 'controller' ? [PostsController] : [],
  });
}

describe('@CacheInvalidate options are checked at bootstrap', () => {
  it.each([
    [{ tag: ['posts'] }, /@CacheInvalidate\(\) on PostsService\.update has an option 'tag'.*did you mean 'tags'/],
    [{ tags: 'posts' }, /PostsService\.update gives tags that are neither a list of non-empty strings/],
    [{ tags: [''] }, /PostsService\.update gives tags that are neither/],
    [{ prefixes: [1] }, /PostsService\.update gives prefixes that are neither/],
    [{}, /PostsService\.update gives neither tags nor prefixes/],
    [[], /PostsService\.update needs \{ tags\?, prefixes\?, cache\? \}/],
    [null, /PostsService\.update needs/],
    [[{ tags: ['a'] }, 'b'], /PostsService\.update needs/],
    [{ tags: ['a'], cache: 'nope' }, /Unknown cache alias 'nope' used by @CacheInvalidate on PostsService\.update/],
    [{ tags: ['a'], cache: 5 }, /PostsService\.update gives cache 5/],
  ])('%j', async (options, message) => {
    const error = await bootstrapError(options);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(message);
  });

  it('on controller handlers too', async () => {
    const error = await bootstrapError({ tags: ['a'], ttl: '1m' }, 'controller');
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(error.message).toMatch(/@CacheInvalidate\(\) on PostsController\.update has an option 'ttl'/);
  });

  it('refuses a static method when the class is declared', () => {
    expect(() => {
      class Posts {
        @CacheInvalidate({ tags: ['a'] })
        static async update(): Promise<void> {}
      }
      return Posts;
    }).toThrow(/static method Posts\.update/);
  });

  it('refuses a second @CacheInvalidate on one method', () => {
    expect(() => {
      class Posts {
        @CacheInvalidate({ tags: ['a'] })
        @CacheInvalidate({ tags: ['b'] })
        async update(): Promise<void> {}
      }
      return Posts;
    }).toThrow(/applied twice to Posts\.update/);
  });
});

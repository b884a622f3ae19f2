import { Controller, Injectable, type INestApplication, type INestMicroservice } from '@nestjs/common';
import {
  ClientProxyFactory,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { defer, lastValueFrom, type Observable, of } from 'rxjs';
import { CacheInvalidate, CacheMemoize, CacheMemoizeModule } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { freePort } from '../../support/redis-server.js';

/*
 * A method may resolve to an Observable (`async find(): Promise<Observable<T>>`): Nest's
 * message handlers and routes run that Observable as the method's output. Its success is
 * the Observable completing, so the invalidations wait for that, and `result` is its last
 * value, as for a method returning the Observable itself.
 */

interface Post {
  id: number;
  title: string;
}

const titles = new Map<number, string>();

@Injectable()
class Posts {
  @CacheMemoize({ ttl: '1h', tags: ({ args: [id] }) => [`post:${id}`] })
  async title(id: number): Promise<string> {
    return titles.get(id)!;
  }
}

@Injectable()
class Writer {
  /** The write happens when the Observable is subscribed, after the Promise resolved. */
  @CacheInvalidate({ tags: ({ args: [id] }) => [`post:${id}`] })
  async renameLater(id: number, title: string): Promise<Observable<string>> {
    return defer(() => {
      titles.set(id, title);
      return of(title);
    });
  }
}

@Controller()
class PostsHandlers {
  /** Tagged by the result: the Post the Observable emits, not the Observable. */
  @MessagePattern('rename')
  @CacheInvalidate({ tags: ({ result }) => [`post:${(result as Post).id}`] })
  async rename(@Payload() post: Post): Promise<Observable<Post>> {
    return defer(() => {
      titles.set(post.id, post.title);
      return of(post);
    });
  }
}

describe('@CacheInvalidate on a method resolving to an Observable', () => {
  beforeEach(() => titles.set(1, 'one'));

  it('invalidates once the Observable completes, not when the Promise resolves', async () => {
    const app: INestApplication = await createApp({ providers: [Posts, Writer] });
    try {
      const posts = app.get(Posts);
      expect(await posts.title(1)).toBe('one');
      const renamed = await app.get(Writer).renameLater(1, 'uno');
      // A read between the Promise and the Observable: nothing is written yet.
      expect(await posts.title(1)).toBe('one');
      expect(await lastValueFrom(renamed)).toBe('uno');
      expect(await posts.title(1)).toBe('uno');
    } finally {
      await app.close();
    }
  });

  it('on a TCP message handler, computes the tags from the emitted value and invalidates before the reply', async () => {
    const port = await freePort();
    const moduleRef = await Test.createTestingModule({
      imports: [CacheMemoizeModule.forRoot()],
      providers: [Posts],
      controllers: [PostsHandlers],
    }).compile();
    const app: INestMicroservice = moduleRef.createNestMicroservice<MicroserviceOptions>({
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
      logger: false,
    });
    await app.listen();
    const client = ClientProxyFactory.create({ transport: Transport.TCP, options: { host: '127.0.0.1', port } });
    try {
      const posts = app.get(Posts);
      expect(await posts.title(1)).toBe('one');
      expect(await lastValueFrom(client.send('rename', { id: 1, title: 'uno' }))).toEqual({ id: 1, title: 'uno' });
      expect(await posts.title(1)).toBe('uno');
    } finally {
      client.close();
      await app.close();
    }
  });
});

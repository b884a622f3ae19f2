import { Controller, Injectable, type INestMicroservice } from '@nestjs/common';
import { Args, Field, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import {
  ClientProxyFactory,
  MessagePattern,
  type MicroserviceOptions,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom, Observable, of, delay } from 'rxjs';
import { CacheInvalidate, CacheMemoize, CacheMemoizeModule } from '../../../lib/index.js';
import { GRAPHQL_SERVERS, startGraphqlApp } from '../../fixtures/graphql/graphql-app.js';
import { freePort } from '../../support/redis-server.js';

const titles = new Map<number, string>([[1, 'one']]);
let reads = 0;

@Injectable()
class Posts {
  @CacheMemoize({ ttl: '1h', tags: ({ args: [id] }) => [`post:${id}`] })
  async title(id: number): Promise<string> {
    reads++;
    return titles.get(id)!;
  }
}

@Controller()
class PostsHandlers {
  /** The reply is sent once the tags are invalidated. */
  @MessagePattern('rename')
  @CacheInvalidate({ tags: ({ args: [payload] }) => [`post:${payload.id}`] })
  async rename(@Payload() payload: { id: number; title: string }): Promise<string> {
    titles.set(payload.id, payload.title);
    return payload.title;
  }

  @MessagePattern('rename$')
  @CacheInvalidate({ tags: ({ args: [payload] }) => [`post:${payload.id}`] })
  rename$(@Payload() payload: { id: number; title: string }): Observable<string> {
    titles.set(payload.id, payload.title);
    return of(payload.title).pipe(delay(5));
  }
}

@ObjectType()
class PostType {
  @Field(() => Int) id!: number;
  @Field() title!: string;
}

@Resolver(() => PostType)
class PostsResolver {
  constructor(private readonly posts: Posts) {}

  @Query(() => PostType)
  async post(@Args('id', { type: () => Int }) id: number): Promise<PostType> {
    return { id, title: await this.posts.title(id) };
  }

  @Mutation(() => PostType)
  @CacheInvalidate({ tags: ({ args: [id] }) => [`post:${id}`] })
  async rename(@Args('id', { type: () => Int }) id: number, @Args('title') title: string): Promise<PostType> {
    if (!titles.has(id)) throw new Error(`no post ${id}`);
    titles.set(id, title);
    return { id, title };
  }
}

describe('@CacheInvalidate on message handlers (TCP)', () => {
  it('invalidates before the reply is sent, for Promise and Observable handlers', async () => {
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
      expect(await posts.title(1)).toBe('one');
      expect(await lastValueFrom(client.send('rename', { id: 1, title: 'uno' }))).toBe('uno');
      expect(await posts.title(1)).toBe('uno');
      expect(await lastValueFrom(client.send('rename$', { id: 1, title: 'eins' }))).toBe('eins');
      expect(await posts.title(1)).toBe('eins');
    } finally {
      client.close();
      await app.close();
    }
  });
});

describe.each(GRAPHQL_SERVERS)('@CacheInvalidate on a GraphQL mutation (%s)', (server) => {
  it('invalidates before the mutation answers', async () => {
    titles.set(1, 'one');
    const graphql = await startGraphqlApp(server, { providers: [Posts, PostsResolver] });
    try {
      expect((await graphql.query('{ post(id: 1) { title } }')).data.post.title).toBe('one');
      const before = reads;
      expect((await graphql.query('{ post(id: 1) { title } }')).data.post.title).toBe('one');
      expect(reads).toBe(before);
      const renamed = await graphql.query('mutation { rename(id: 1, title: "uno") { title } }');
      expect(renamed.data.rename.title).toBe('uno');
      expect((await graphql.query('{ post(id: 1) { title } }')).data.post.title).toBe('uno');
      const failed = await graphql.query('mutation { rename(id: 9, title: "x") { title } }');
      expect(failed.errors?.length).toBe(1);
      expect(reads).toBe(before + 1);
    } finally {
      await graphql.close();
    }
  });
});

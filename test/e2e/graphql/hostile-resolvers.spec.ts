import { type CanActivate, type ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import {
  Args,
  Context,
  Field,
  GqlExecutionContext,
  Int,
  ObjectType,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CacheMemoize } from '../../../lib/index.js';
import { GRAPHQL_SERVERS, type GraphqlApp, startGraphqlApp } from '../../fixtures/graphql/graphql-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { Runs } from '../../fixtures/http/runs.js';

@ObjectType()
class Shelf {
  @Field()
  name!: string;

  @Field(() => Int)
  run!: number;
}

interface GqlContext {
  req: { headers: Record<string, string | undefined>; user?: { id: string }; query?: Record<string, unknown> };
}

/** Authenticates from a header no credential list knows, and says who the user is on `req.user`. */
@Injectable()
class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { req } = GqlExecutionContext.create(context).getContext<GqlContext>();
    const session = req.headers['x-session'];
    if (session) req.user = { id: session };
    return true;
  }
}

@Resolver(() => Shelf)
class ShelvesResolver {
  readonly runs = new Runs();
  latch = new Latch();
  started = 0;

  @Query(() => Shelf)
  @CacheMemoize('1m')
  async shelf(@Args('name') name: string): Promise<Shelf> {
    return { name, run: this.runs.count(`shelf:${name}`) };
  }

  /** A field under a shared parent that reads the user from the context. */
  @ResolveField(() => String)
  @CacheMemoize('1m')
  async mine(@Parent() shelf: Shelf, @Context() context: GqlContext): Promise<string> {
    return `${shelf.name} for ${context.req.headers.authorization ?? 'anonymous'} #${this.runs.count('mine')}`;
  }

  /** Waits on the latch: personal and anonymous requests in flight at once. */
  @Query(() => String)
  @CacheMemoize('1m')
  async slowMe(@Context() context: GqlContext): Promise<string> {
    this.started++;
    const run = this.runs.count('slowMe');
    await this.latch.opened;
    return `${context.req.headers.authorization ?? 'anonymous'} #${run}`;
  }

  /** Authenticates by a token in the URL (`/graphql?access_token=`, as RFC 6750 allows). */
  @Query(() => String)
  @CacheMemoize('1m')
  async viewer(@Context() context: GqlContext): Promise<string> {
    return `viewer ${String(context.req.query?.access_token ?? 'anonymous')} #${this.runs.count('viewer')}`;
  }

  @Query(() => String)
  @UseGuards(SessionGuard)
  @CacheMemoize('1m')
  async session(@Context() context: GqlContext): Promise<string> {
    return `${context.req.user?.id ?? 'anonymous'} #${this.runs.count('session')}`;
  }
}

describe.each(GRAPHQL_SERVERS)('@CacheMemoize on GraphQL resolvers under %s against a hostile client', (server) => {
  let gql: GraphqlApp;
  let resolver: ShelvesResolver;

  beforeEach(async () => {
    gql = await startGraphqlApp(server, { providers: [ShelvesResolver] });
    resolver = gql.app.get(ShelvesResolver);
  });
  afterEach(() => {
    resolver.latch.open();
    return gql.close();
  });

  it("computes a field resolver under a personal request without the cache: bob never gets alice's field", async () => {
    await gql.query('{ shelf(name: "sf") { mine } }');
    const alice = await gql.query('{ shelf(name: "sf") { mine } }', { authorization: 'alice' });
    const bob = await gql.query('{ shelf(name: "sf") { mine } }', { authorization: 'bob' });
    expect([alice.data.shelf.mine, bob.data.shelf.mine]).toEqual(['sf for alice #2', 'sf for bob #3']);
  });

  it('never lets an anonymous request share a personal execution in flight, nor the reverse', async () => {
    const alice = gql.query('{ slowMe }', { authorization: 'alice' });
    await until(() => resolver.started === 1);
    const anonymous = gql.query('{ slowMe }');
    await until(() => resolver.started === 2);
    const bob = gql.query('{ slowMe }', { authorization: 'bob' });
    await until(() => resolver.started === 3);
    resolver.latch.open();
    const answers = await Promise.all([alice, anonymous, bob]);
    expect(answers.map((answer) => answer.data.slowMe)).toEqual(['alice #1', 'anonymous #2', 'bob #3']);
  });

  it("treats a resolver request with a credential in its query string as personal: bob never gets alice's answer", async () => {
    const post = async (path: string) => {
      const response = await request(gql.app.getHttpServer())
        .post(path)
        .set('content-type', 'application/json')
        .send({ query: '{ viewer }' });
      return (response.body as { data: { viewer: string } }).data.viewer;
    };
    const answers = [
      await post('/graphql?access_token=alice'),
      await post('/graphql?access_token=bob'),
      await post('/graphql?access%5Ftoken=carol'),
      await post('/graphql'),
      await post('/graphql?lang=en'),
    ];
    // The anonymous request, and one whose query holds no credential, still share an entry.
    expect(answers).toEqual([
      'viewer alice #1',
      'viewer bob #2',
      'viewer carol #3',
      'viewer anonymous #4',
      'viewer anonymous #4',
    ]);
  });

  it('treats a credential after # as one in the query string: Fastify reads it so', async () => {
    // Sent as written: supertest would cut the # off.
    const post = (path: string) =>
      new Promise<string>((resolve, reject) => {
        const { port } = gql.app.getHttpServer().address() as AddressInfo;
        const headers = { 'content-type': 'application/json' };
        const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve((JSON.parse(text) as { data: { viewer: string } }).data.viewer));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ query: '{ viewer }' }));
      });
    const dave = await post('/graphql#access_token=dave');
    const anonymous = await post('/graphql');
    expect(anonymous).not.toContain('dave');
    expect(dave).toBe(server === 'mercurius' ? 'viewer dave #1' : 'viewer anonymous #1');
  });

  it('treats a resolver request whose guard set req.user as personal', async () => {
    await gql.query('{ session }', { 'x-session': 'alice' });
    const bob = await gql.query('{ session }', { 'x-session': 'bob' });
    const anonymous = await gql.query('{ session }');
    const anonymousAgain = await gql.query('{ session }');
    expect([bob.data.session, anonymous.data.session, anonymousAgain.data.session]).toEqual([
      'bob #2',
      'anonymous #3',
      'anonymous #3',
    ]);
  });
});

import { randomBytes } from 'node:crypto';
import { createParamDecorator } from '@nestjs/common';
import { Args, Context, Field, Info, Int, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CacheMemoize, CacheMemoizeStats } from '../../../lib/index.js';
import { GRAPHQL_SERVERS, type GraphqlApp, startGraphqlApp } from '../../fixtures/graphql/graphql-app.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { Runs } from '../../fixtures/http/runs.js';

@ObjectType()
class Book {
  @Field()
  title!: string;

  @Field(() => Int)
  run!: number;
}

interface GqlContext {
  req: { headers: Record<string, string | undefined> };
}

/** A custom parameter whose value no key can hold. */
const Loader = createParamDecorator(() => () => 'loaded');

@Resolver(() => Book)
class BooksResolver {
  readonly runs = new Runs();
  latch = new Latch();
  misses = 0;

  /** No parameter decorators: Nest passes (parent, args, context, info). */
  @Query(() => [Book])
  @CacheMemoize('1m')
  async books(): Promise<Book[]> {
    return [{ title: 'Dune', run: this.runs.count('books') }];
  }

  @Query(() => Book)
  @CacheMemoize('1m')
  async book(@Args('title') title: string, @Context() _context: GqlContext, @Info() _info: object): Promise<Book> {
    return { title, run: this.runs.count(`book:${title}`) };
  }

  @Query(() => Book)
  @CacheMemoize({ ttl: '1m', onMiss: ({ instance }) => (instance as BooksResolver).misses++ })
  async slowBook(@Args('title') title: string): Promise<Book> {
    const run = this.runs.count('slowBook');
    await this.latch.opened;
    return { title, run };
  }

  /** Reads the user from the context: only the per-user rule keeps alice's answer from bob. */
  @Query(() => String)
  @CacheMemoize('1m')
  async me(@Context() context: GqlContext): Promise<string> {
    return `${context.req.headers.authorization ?? 'anonymous'} #${this.runs.count('me')}`;
  }

  @Query(() => String)
  @CacheMemoize({ ttl: '1m', key: (context: GqlContext) => context.req.headers.authorization ?? '' })
  async meKeyed(@Context() context: GqlContext): Promise<string> {
    return `${context.req.headers.authorization} #${this.runs.count('meKeyed')}`;
  }

  @Query(() => String)
  @CacheMemoize({ ttl: '1m', vary: ['Authorization'] })
  async meVaried(@Context() context: GqlContext): Promise<string> {
    return `${context.req.headers.authorization} #${this.runs.count('meVaried')}`;
  }

  @Query(() => String)
  @CacheMemoize('1m')
  async loaded(@Args('id') id: string, @Loader() load: () => string): Promise<string> {
    return `${id}: ${load()}`;
  }

  @ResolveField(() => String)
  @CacheMemoize('1m')
  async blurb(@Parent() book: Book): Promise<string> {
    return `${book.title} #${this.runs.count(`blurb:${book.title}`)}`;
  }

  /** No parameter decorators on a field: (parent, args, context, info). */
  @ResolveField(() => String)
  @CacheMemoize('1m')
  async shelf(parent: Book): Promise<string> {
    return `${parent.title.length} #${this.runs.count('shelf')}`;
  }
}

describe.each(GRAPHQL_SERVERS)('@CacheMemoize on GraphQL resolvers under %s', (server) => {
  let gql: GraphqlApp;
  let resolver: BooksResolver;

  beforeEach(async () => {
    gql = await startGraphqlApp(server, { providers: [BooksResolver] });
    resolver = gql.app.get(BooksResolver);
  });
  afterEach(() => {
    resolver.latch.open(); // a failed test must not leave a resolver waiting, holding the app open
    return gql.close();
  });

  it('caches a query without parameter decorators, whatever context and info it is passed', async () => {
    const first = await gql.query('{ books { title run } }');
    const second = await gql.query('{ books { title run } }');
    expect(first).toEqual({ data: { books: [{ title: 'Dune', run: 1 }] } });
    expect(second).toEqual(first);
  });

  it('keys by the GraphQL arguments only: @Context() and @Info() parameters, and query spacing, never matter', async () => {
    await gql.query('{ book(title: "Dune") { title run } }');
    const spaced = await gql.query('query   Again {  book( title : "Dune" )  { run title } }');
    const other = await gql.query('{ book(title: "Emma") { title run } }');
    expect(spaced).toEqual({ data: { book: { run: 1, title: 'Dune' } } });
    expect(other).toEqual({ data: { book: { title: 'Emma', run: 1 } } });
    expect(resolver.runs.of('book:Dune')).toBe(1);
  });

  it('caches @ResolveField by its parent, with or without @Parent()', async () => {
    const query = '{ a: book(title: "Dune") { blurb shelf } b: book(title: "Emma") { blurb shelf } }';
    await gql.query(query);
    const again = await gql.query(query);
    expect(again).toEqual({
      data: { a: { blurb: 'Dune #1', shelf: '4 #1' }, b: { blurb: 'Emma #1', shelf: '4 #2' } },
    });
  });

  it('lets concurrent requests for one key share one execution', async () => {
    const pending = [1, 2, 3].map(() => gql.query('{ slowBook(title: "Dune") { run } }'));
    await until(() => resolver.misses === 3);
    resolver.latch.open();
    const answers = await Promise.all(pending);
    expect(answers).toEqual(Array(3).fill({ data: { slowBook: { run: 1 } } }));
    expect(resolver.runs.of('slowBook')).toBe(1);
  });

  it("computes a field for a personal request without the cache: bob never gets alice's answer", async () => {
    const anonymous = await gql.query('{ me }');
    const alice = await gql.query('{ me }', { authorization: 'alice' });
    const bob = await gql.query('{ me }', { authorization: 'bob' });
    const anonymousAgain = await gql.query('{ me }');
    expect([anonymous.data.me, alice.data.me, bob.data.me]).toEqual(['anonymous #1', 'alice #2', 'bob #3']);
    expect(anonymousAgain.data.me).toBe('anonymous #1');
  });

  it('caches personal requests by a key that keeps the user, or by the vary headers', async () => {
    for (const field of ['meKeyed', 'meVaried']) {
      await gql.query(`{ ${field} }`, { authorization: 'alice' });
      const bob = await gql.query(`{ ${field} }`, { authorization: 'bob' });
      const alice = await gql.query(`{ ${field} }`, { authorization: 'alice' });
      expect([alice.data[field], bob.data[field]]).toEqual(['alice #1', 'bob #2']);
    }
  });

  it('says, when an argument cannot be keyed, to give a key that keeps the user', async () => {
    const answer = await gql.query('{ loaded(id: "7") }');
    expect(answer.errors?.[0].message).toMatch(
      /BooksResolver\.loaded.*key: \(args, ctx\) => \[args, ctx\.req\.user\?\.id\]/s,
    );
  });

  it('lists resolvers in the stats with what they really did', async () => {
    await gql.query('{ books { title } }');
    await gql.query('{ books { title } }');
    const stats = gql.app.get(CacheMemoizeStats).snapshot();
    expect(stats['BooksResolver.books']).toMatchObject({ hits: 1, misses: 1 });
  });
});

describe.each(GRAPHQL_SERVERS)('@CacheMemoize on GraphQL resolvers under %s, without the interceptor', (server) => {
  let gql: GraphqlApp;

  beforeEach(async () => {
    gql = await startGraphqlApp(server, { providers: [BooksResolver] }, { interceptor: false });
  });
  afterEach(() => gql.close());

  it('still caches by the GraphQL arguments', async () => {
    await gql.query('{ book(title: "Dune") { run } }');
    expect(await gql.query('{ book(title: "Dune") { run } }')).toEqual({ data: { book: { run: 1 } } });
  });

  it('runs a resolver that varies on headers uncached, since nothing can read them', async () => {
    await gql.query('{ meVaried }', { authorization: 'alice' });
    const bob = await gql.query('{ meVaried }', { authorization: 'bob' });
    const alice = await gql.query('{ meVaried }', { authorization: 'alice' });
    expect([bob.data.meVaried, alice.data.meVaried]).toEqual(['bob #2', 'alice #3']);
  });
});

describe.each(GRAPHQL_SERVERS)('a resolver varying on a credential header under %s', (server) => {
  it('keeps one entry per token, keyed by a digest: the token is in no key', async () => {
    const keys: string[] = [];
    const gql = await startGraphqlApp(
      server,
      { providers: [BooksResolver] },
      { options: { onEvent: (event) => keys.push(event.key) } },
    );
    try {
      const token = randomBytes(9).toString('hex');
      await gql.query('{ meVaried }', { authorization: token });
      await gql.query('{ meVaried }', { authorization: 'someone else' });
      const again = await gql.query('{ meVaried }', { authorization: token });
      expect(again.data.meVaried).toBe(`${token} #1`);
      expect(keys.length).toBeGreaterThanOrEqual(3);
      expect(keys.filter((key) => key.includes(token))).toEqual([]);
    } finally {
      await gql.close();
    }
  });
});

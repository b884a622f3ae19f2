import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Context, GraphQLModule, Int, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import expressSession from 'express-session';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor, CacheMemoizeModule } from '../../../lib/index.js';
import { Latch, until } from '../../fixtures/http/latch.js';
import { type AnySession, csrfOf, cookiesOf, SESSION_SECRET } from '../../fixtures/http/sessions.js';

/**
 * The per-user rule of controller responses holds for resolvers (API.md), the session rule
 * too: a memoized @Query that writes a CSRF secret into a first-time visitor's session
 * (context.req.session) and returns the token computes for that visitor alone. The visitor
 * sends no cookie, so its request is not personal; its result must still not be stored.
 */

@Resolver()
class FormResolver {
  /** The login form's CSRF token, written into the visitor's session. */
  @Query(() => String)
  @CacheMemoize('1m')
  async csrfToken(@Context('req') req: { session: AnySession }): Promise<string> {
    return csrfOf(req.session);
  }

  started = 0;
  latch = new Latch();

  /** The same, waiting for the test: two new visitors in flight at once. */
  @Query(() => String)
  @CacheMemoize('1m')
  async slowCsrfToken(@Context('req') req: { session: AnySession }): Promise<string> {
    this.started++;
    await this.latch.opened;
    return csrfOf(req.session);
  }

  /** Reads nothing from the session: the same answer for everyone. */
  @Query(() => Int)
  @CacheMemoize('1m')
  async visits(): Promise<number> {
    return ++this.started;
  }
}

async function start(server: 'apollo' | 'mercurius'): Promise<INestApplication> {
  const graphql =
    server === 'apollo'
      ? GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true })
      : GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true });
  const moduleRef = await Test.createTestingModule({
    imports: [CacheMemoizeModule.forRoot(), graphql],
    providers: [FormResolver, { provide: APP_INTERCEPTOR, useClass: CacheMemoizeInterceptor }],
  }).compile();
  if (server === 'apollo') {
    const app = moduleRef.createNestApplication(new ExpressAdapter(), { logger: false });
    app.use(expressSession({ secret: SESSION_SECRET, resave: false, saveUninitialized: false }));
    await app.listen(0, '127.0.0.1');
    return app;
  }
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  await app.register(fastifyCookie);
  await app.register(fastifySession, { secret: SESSION_SECRET, cookie: { secure: false }, saveUninitialized: false });
  await app.listen(0, '127.0.0.1');
  return app;
}

describe.each([['apollo'], ['mercurius']] as const)('GraphQL on %s with session middleware', (server) => {
  let app: INestApplication;
  beforeEach(async () => {
    app = await start(server);
  });
  afterEach(() => app.close());

  const ask = (cookie?: string, query = '{ csrfToken }') => {
    const r = request(app.getHttpServer()).post('/graphql').set('content-type', 'application/json');
    if (cookie) r.set('Cookie', cookie);
    return r.send({ query });
  };

  it("never hands one new visitor's session secret to the next new visitor", async () => {
    const alice = await ask();
    const bob = await ask();
    expect([alice.body.errors, bob.body.errors]).toEqual([undefined, undefined]);
    expect(cookiesOf(alice)).not.toBe('');
    // Alice's session holds the secret her token came from (sanity).
    const aliceAgain = await ask(cookiesOf(alice));
    expect(aliceAgain.body.data.csrfToken).toBe(alice.body.data.csrfToken);
    // Bob must not be handed Alice's secret; his own session must hold the token he got.
    expect({ bobToken: bob.body.data.csrfToken, bobGotSessionCookie: cookiesOf(bob) !== '' }).toEqual({
      bobToken: expect.not.stringMatching(`^${alice.body.data.csrfToken}$`),
      bobGotSessionCookie: true,
    });
  });

  it("never lets a new visitor take another new visitor's secret from an execution in flight", async () => {
    const resolver = app.get(FormResolver);
    const alice = ask(undefined, '{ slowCsrfToken }').then((r) => r);
    await until(() => resolver.started === 1);
    // Bob and Carol join Alice's execution; once it lands, one of them runs again, and the other
    // must not take that run's secret either.
    const others = [ask(undefined, '{ slowCsrfToken }'), ask(undefined, '{ slowCsrfToken }')].map((r) =>
      r.then((response) => response),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(resolver.started).toBe(1);
    resolver.latch.open();
    const answers = await Promise.all([alice, ...others]);
    expect(answers.map((r) => r.body.errors)).toEqual([undefined, undefined, undefined]);
    const tokens = answers.map((r) => r.body.data.slowCsrfToken as string);
    expect(new Set(tokens).size).toBe(3);
    expect(answers.map((r) => cookiesOf(r) !== '')).toEqual([true, true, true]);
  });

  it('still caches a resolver that leaves the session alone', async () => {
    const first = await ask(undefined, '{ visits }');
    const second = await ask(undefined, '{ visits }');
    expect([first.body.data.visits, second.body.data.visits]).toEqual([1, 1]);
  });
});

import {
  type CanActivate,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
  Param,
  Req,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type SessionRequest, readCsrf, csrfOf, cookiesOf, sessionSetups } from '../../fixtures/http/sessions.js';

/**
 * A new visitor's session written before the handler runs, while the response still carries
 * what was written:
 *  - a guard (guards run before interceptors) that creates the CSRF secret, as csurf does in its
 *    middleware, and a handler that only reads it into the body;
 *  - a handler with `key`: its pipes and parameter decorators run before the key is known; a
 *    `@CsrfToken()` decorator creates the secret in the session.
 * A request that came without a cookie loaded no session, so whatever its session holds was
 * written for it: the response is not stored, and the next new visitor gets a secret of its own.
 */

/** Puts a CSRF secret in every session that has none (csurf does this in its middleware). */
@Injectable()
class CsrfGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    csrfOf(context.switchToHttp().getRequest<SessionRequest>().session);
    return true;
  }
}

/** `@CsrfToken() token: string`: the visitor's token, created in its session when missing. */
const CsrfToken = createParamDecorator((_: unknown, context: ExecutionContext) =>
  csrfOf(context.switchToHttp().getRequest<SessionRequest>().session),
);

@Controller('r')
@UseInterceptors(CacheMemoizeInterceptor)
class FormsController {
  /** Only reads the session a guard wrote for this very (new) visitor. */
  @Get('guarded-form')
  @UseGuards(CsrfGuard)
  @CacheMemoize('1m')
  async guardedForm(@Req() req: SessionRequest): Promise<object> {
    return { csrfToken: readCsrf(req.session) };
  }

  /** The form of a post, keyed by its id; the token comes from a parameter decorator. */
  @Get('posts/:id/comment-form')
  @CacheMemoize({ ttl: '1m', key: (id: string) => id })
  async commentForm(@Param('id') id: string, @CsrfToken() csrfToken: string): Promise<object> {
    return { post: id, csrfToken };
  }

  /** Control: the same without `key` (the decorator runs inside the pipeline the interceptor reads around). */
  @Get('posts/:id/unkeyed-comment-form')
  @CacheMemoize('1m')
  async unkeyedCommentForm(@Param('id') id: string, @CsrfToken() csrfToken: string): Promise<object> {
    return { post: id, csrfToken };
  }
}

@Module({ controllers: [FormsController], providers: [CsrfGuard] })
class FormsModule {}

const SETUPS = sessionSetups(FormsModule);

describe.each(SETUPS)('session written before the first reading: %s', (_name, start) => {
  let app: INestApplication;
  beforeEach(async () => {
    app = await start();
  });
  afterEach(() => app.close());

  it.each([
    ['a guard writes the secret, the handler reads it', '/r/guarded-form'],
    ['a keyed route whose parameter decorator writes the secret', '/r/posts/7/comment-form'],
    ['control: the same decorator on a route without key', '/r/posts/7/unkeyed-comment-form'],
  ])("%s: never hands one new visitor's secret to the next new visitor", async (_case, path) => {
    const alice = await request(app.getHttpServer()).get(path).expect(200);
    const bob = await request(app.getHttpServer()).get(path).expect(200);
    // Alice's session holds the secret her token came from.
    expect(cookiesOf(alice)).not.toBe('');
    // Bob got a session of his own, and a token that is not Alice's.
    expect({ cache: bob.headers['x-cache'], bobToken: bob.body.csrfToken, bobCookie: cookiesOf(bob) !== '' }).toEqual({
      cache: 'MISS',
      bobToken: expect.not.stringMatching(`^${alice.body.csrfToken}$`),
      bobCookie: true,
    });
  });
});

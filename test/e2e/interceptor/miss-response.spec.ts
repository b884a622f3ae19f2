import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { map, type Observable } from 'rxjs';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { type HttpApp, type StoreKind, startHttpApp } from '../../fixtures/http/http-app.js';

/**
 * A global interceptor that personalises the response in place: it adds who is asking, when
 * someone is. It runs outside ours, so what it adds was never part of what was stored.
 */
@Injectable()
class ViewerInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const user = context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-user'];
    return next.handle().pipe(
      map((body) => {
        if (user !== undefined && typeof body === 'object' && body !== null)
          (body as { viewer?: string }).viewer = user;
        return body;
      }),
    );
  }
}

@Controller('own')
@UseInterceptors(CacheMemoizeInterceptor)
class OwnController {
  runs = 0;

  @Get('nothing')
  @CacheMemoize('1m')
  async nothing(): Promise<undefined> {
    this.runs++;
    return undefined;
  }

  @Get('article')
  @CacheMemoize('1m')
  async article(): Promise<object> {
    return { title: 'public article', n: ++this.runs };
  }

  /** The same with `clone: true`, which a memory alias needs for it (README, What is cached). */
  @Get('cloned-article')
  @CacheMemoize({ ttl: '1m', clone: true })
  async clonedArticle(): Promise<object> {
    return { title: 'public article', n: ++this.runs };
  }
}

describe("a miss's own response on express, framed as a hit's", () => {
  let http: HttpApp;
  beforeEach(async () => {
    http = await startHttpApp('express', 'memory', { controllers: [OwnController] });
  });
  afterEach(() => http.close());

  it('a handler answering nothing: the MISS is framed like the HIT (Content-Length: 0, not chunked)', async () => {
    const miss = await request(http.server).get('/own/nothing').expect(200);
    const hit = await request(http.server).get('/own/nothing').expect(200);
    const framing = (r: request.Response) => ({
      contentLength: r.headers['content-length'],
      transferEncoding: r.headers['transfer-encoding'],
    });
    expect(hit.headers['x-cache']).toBe('HIT');
    expect({ cache: miss.headers['x-cache'], ...framing(miss) }).toEqual({ cache: 'MISS', ...framing(hit) });
    expect(framing(miss)).toEqual({ contentLength: '0', transferEncoding: undefined });
  });
});

describe.each<[StoreKind, string]>([
  ['redis', 'article'],
  ['keyv-redis', 'article'],
  ['memory', 'cloned-article'],
])('an interceptor before ours that adds to the body in place, on express with %s (/own/%s)', (store, route) => {
  let http: HttpApp;
  beforeEach(async () => {
    http = await startHttpApp('express', store, {
      controllers: [OwnController],
      providers: [{ provide: APP_INTERCEPTOR, useClass: ViewerInterceptor }],
    });
  });
  afterEach(() => http.close());

  it('never stores what it added for the first visitor, nor hands it to the next', async () => {
    const alice = await request(http.server).get(`/own/${route}`).set('X-User', 'alice').expect(200);
    expect(alice.body).toEqual({ title: 'public article', n: 1, viewer: 'alice' });
    const anonymous = await request(http.server).get(`/own/${route}`).expect(200);
    expect({ cache: anonymous.headers['x-cache'], body: anonymous.body }).toEqual({
      cache: 'HIT',
      body: { title: 'public article', n: 1 },
    });
  });
});

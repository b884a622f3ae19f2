import {
  Controller,
  Get,
  Header,
  HttpCode,
  InternalServerErrorException,
  NotFoundException,
  Post,
  Query,
  Res,
  StreamableFile,
  UseInterceptors,
} from '@nestjs/common';
import { map, type Observable, of } from 'rxjs';
import request from 'supertest';
import { CacheMemoize, CacheMemoizeInterceptor } from '../../../lib/index.js';
import { HTTP_MATRIX, type HttpApp, startHttpApp } from '../../fixtures/http/http-app.js';
import { Runs } from '../../fixtures/http/runs.js';

/** What Express's response and Fastify's reply both offer a handler. */
interface Reply {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  send(body: string): unknown;
}

@Controller('articles')
@UseInterceptors(CacheMemoizeInterceptor)
class ArticlesController {
  readonly runs = new Runs();

  @Get()
  @CacheMemoize('1m')
  async list(@Query() query: Record<string, string>): Promise<object> {
    return { query, run: this.runs.count('list') };
  }

  @Post()
  @CacheMemoize('1m')
  async create(): Promise<object> {
    return { run: this.runs.count('create') };
  }

  @Get('missing')
  @CacheMemoize('1m')
  async missing(): Promise<never> {
    throw new NotFoundException(`not found, run ${this.runs.count('missing')}`);
  }

  @Get('broken')
  @CacheMemoize('1m')
  async broken(): Promise<never> {
    throw new InternalServerErrorException(`broken, run ${this.runs.count('broken')}`);
  }

  @Get('gone')
  @CacheMemoize('1m')
  async gone(@Res({ passthrough: true }) reply: Reply): Promise<string> {
    reply.status(410);
    return `gone, run ${this.runs.count('gone')}`;
  }

  @Get('report')
  @CacheMemoize('1m')
  async report(@Res({ passthrough: true }) reply: Reply): Promise<string> {
    reply.status(203);
    reply.header('Content-Type', 'text/csv; charset=utf-8');
    return `id,run\n1,${this.runs.count('report')}`;
  }

  @Get('legacy')
  @HttpCode(202)
  @Header('Cache-Control', 'public, max-age=60')
  @CacheMemoize('1m')
  async legacy(): Promise<object> {
    return { run: this.runs.count('legacy') };
  }

  @Get('observable')
  @CacheMemoize('1m')
  observable(): Observable<object> {
    const run = this.runs.count('observable');
    return of(1, 2, 3).pipe(map((n) => ({ n, run })));
  }

  @Get('value')
  // @ts-expect-error the decorator's type accepts Promise or Observable methods only, though the interceptor serves plain values
  @CacheMemoize('1m')
  value(): object {
    return { run: this.runs.count('value') };
  }

  @Get('nothing')
  @CacheMemoize('1m')
  async nothing(): Promise<null> {
    this.runs.count('nothing');
    return null;
  }

  @Get('file')
  @CacheMemoize('1m')
  async file(): Promise<StreamableFile> {
    return new StreamableFile(Buffer.from(`file, run ${this.runs.count('file')}`));
  }

  @Get('raw')
  @CacheMemoize('1m')
  raw(@Res() reply: Reply): Promise<void> {
    reply.send(`raw, run ${this.runs.count('raw')}`);
    return Promise.resolve();
  }

  @Get('plain')
  async plain(): Promise<object> {
    return { run: this.runs.count('plain') };
  }
}

describe.each(HTTP_MATRIX)('CacheMemoizeInterceptor on %s with a %s cache: responses', (platform, store) => {
  let http: HttpApp;
  let runs: Runs;
  const get = (path: string) => request(http.server).get(path);

  beforeEach(async () => {
    http = await startHttpApp(platform, store, { controllers: [ArticlesController] });
    runs = http.app.get(ArticlesController).runs;
  });
  afterEach(() => http.close());

  it('runs the handler on the first GET and answers the next from the cache', async () => {
    const first = await get('/articles').expect(200);
    const second = await get('/articles').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    expect(runs.of('list')).toBe(1);
  });

  it('keeps one entry whatever the order of the query parameters', async () => {
    await get('/articles?b=2&a=1').expect(200);
    const reordered = await get('/articles?a=1&b=2').expect(200);
    const other = await get('/articles?a=1&b=3').expect(200);
    expect(reordered.headers['x-cache']).toBe('HIT');
    expect(reordered.body).toEqual({ query: { a: '1', b: '2' }, run: 1 });
    expect(other.headers['x-cache']).toBe('MISS');
    expect(runs.of('list')).toBe(2);
  });

  it('never caches a POST', async () => {
    const first = await request(http.server).post('/articles').expect(201);
    const second = await request(http.server).post('/articles').expect(201);
    expect([first.body.run, second.body.run]).toEqual([1, 2]);
    expect(second.headers['x-cache']).toBe('BYPASS');
  });

  it('does not cache 404 and 500: the exception reaches the client each time', async () => {
    await get('/articles/missing').expect(404);
    const missing = await get('/articles/missing').expect(404);
    await get('/articles/broken').expect(500);
    const broken = await get('/articles/broken').expect(500);
    expect(missing.body.message).toBe('not found, run 2');
    expect(broken.body.message).toBe('broken, run 2');
  });

  it('does not cache a response the handler gave a non-2xx status', async () => {
    await get('/articles/gone').expect(410);
    const again = await get('/articles/gone').expect(410);
    expect(again.text).toBe('gone, run 2');
  });

  it('replays the status and Content-Type the handler set', async () => {
    const first = await get('/articles/report').expect(203);
    const hit = await get('/articles/report').expect(203);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(hit.text).toBe(first.text);
    expect(runs.of('report')).toBe(1);
  });

  it('keeps @HttpCode() and @Header() on hits', async () => {
    await get('/articles/legacy').expect(202);
    const hit = await get('/articles/legacy').expect(202);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['cache-control']).toBe('public, max-age=60');
    expect(hit.headers['content-type']).toMatch(/^application\/json/);
    expect(hit.body).toEqual({ run: 1 });
  });

  it('shares entries between HEAD and GET', async () => {
    const head = await request(http.server).head('/articles?page=2').expect(200);
    const get2 = await get('/articles?page=2').expect(200);
    const head2 = await request(http.server).head('/articles?page=2').expect(200);
    expect(head.headers['x-cache']).toBe('MISS');
    expect(get2.headers['x-cache']).toBe('HIT');
    expect(get2.body).toEqual({ query: { page: '2' }, run: 1 });
    expect(head2.headers['x-cache']).toBe('HIT');
    expect(head2.text ?? '').toBe('');
  });

  it.each([
    ['an Observable, as its last value', '/articles/observable', { n: 3, run: 1 }],
    ['a plain value', '/articles/value', { run: 1 }],
  ])('caches a handler returning %s', async (_, path, expected) => {
    await get(path).expect(200);
    const hit = await get(path).expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.body).toEqual(expected);
  });

  it('caches a null body like any other', async () => {
    await get('/articles/nothing').expect(200);
    const hit = await get('/articles/nothing').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(runs.of('nothing')).toBe(1);
  });

  it('never caches a StreamableFile', async () => {
    const first = await get('/articles/file').expect(200);
    const second = await get('/articles/file').expect(200);
    expect(Buffer.from(first.body).toString()).toBe('file, run 1');
    expect(Buffer.from(second.body).toString()).toBe('file, run 2');
    expect(second.headers['x-cache']).toBe('BYPASS');
  });

  it('never caches a handler that writes the response itself with @Res()', async () => {
    await get('/articles/raw').expect(200);
    const second = await get('/articles/raw').expect(200);
    expect(second.text).toBe('raw, run 2');
    expect(second.headers['x-cache']).toBe('BYPASS');
  });

  it('leaves handlers without @CacheMemoize alone', async () => {
    await get('/articles/plain').expect(200);
    const second = await get('/articles/plain').expect(200);
    expect(second.body).toEqual({ run: 2 });
    expect(second.headers['x-cache']).toBeUndefined();
  });
});

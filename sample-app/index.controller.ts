import { Controller, Get, Header, Req } from '@nestjs/common';

interface Route {
  method: string;
  path: string;
  what: string;
  body?: string;
}

const ROUTES: Route[] = [
  { method: 'GET', path: '/posts', what: 'list of posts (cached whole; see the X-Cache header)' },
  {
    method: 'GET',
    path: '/posts/caching-101',
    what: 'a post and its related posts (cached, tagged with every post shown)',
  },
  {
    method: 'PUT',
    path: '/posts/stampedes',
    what: 'rename a post: @CacheInvalidate drops every cached page showing it before answering',
    body: '{"title":"Stampedes, tamed"}',
  },
  { method: 'GET', path: '/stats', what: 'slow queries run so far, and hits and misses per memoized method' },
];

/** `GET /`: what the sample serves, and how to try it, for a first run. */
@Controller()
export class IndexController {
  @Get()
  @Header('content-type', 'text/plain; charset=utf-8')
  index(@Req() request: { headers: Record<string, string | string[] | undefined> }): string {
    const base = `http://${request.headers.host ?? 'localhost:3000'}`;
    const lines = ROUTES.map(({ method, path, what, body }) => {
      const curl =
        method === 'GET'
          ? `curl -i ${base}${path}`
          : `curl -i -X ${method} -H 'content-type: application/json' -d '${body}' ${base}${path}`;
      return `${method.padEnd(4)} ${path}\n     ${what}\n     ${curl}`;
    });
    return `nestjs-cache-memoize sample blog\n\n${lines.join('\n\n')}\n`;
  }
}

/**
 * The HTTP scenario's server, in its own process: one Nest app (Express) serving the same
 * handler three ways: no cache, @nestjs/cache-manager's CacheInterceptor, and our
 * CacheMemoizeInterceptor when this branch has it. Prints `{ port, routes, skipped }`.
 */
import 'reflect-metadata';
import { CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { Controller, Get, type NestInterceptor, Param, type Type, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { setTimeout as sleep } from 'node:timers/promises';
import * as lib from '../../lib/index.js';

const QUERY_MS = 1;
/** Handler runs per route prefix, served at /runs, so the bench can tell cached routes from uncached ones. */
const runs: Record<string, number> = {};

/** The route's work: a 1 ms query, then a 100-object page built fresh. */
async function listProducts(route: string, id: string): Promise<unknown[]> {
  runs[route] = (runs[route] ?? 0) + 1;
  await sleep(QUERY_MS);
  return Array.from({ length: 100 }, (_, i) => ({
    id: i,
    category: id,
    name: `Product ${i}`,
    price: 100 + i,
    active: i % 3 !== 0,
  }));
}

@Controller()
class PlainController {
  @Get('plain/products/:id')
  list(@Param('id') id: string) {
    return listProducts('plain', id);
  }

  @Get('runs')
  runs() {
    return runs;
  }
}

@Controller('nest-cache')
@UseInterceptors(CacheInterceptor)
class NestCacheController {
  @Get('products/:id')
  @CacheTTL(600_000)
  list(@Param('id') id: string) {
    return listProducts('nest-cache', id);
  }
}

/** Ours, defined only when the library exports the interceptor (the HTTP work may not be merged yet). */
function memoizeController(Interceptor: Type<NestInterceptor>): Type<unknown> {
  @Controller('memoize')
  @UseInterceptors(Interceptor)
  class MemoizeController {
    @Get('products/:id')
    @lib.CacheMemoize('10m')
    list(@Param('id') id: string) {
      return listProducts('memoize', id);
    }
  }
  return MemoizeController;
}

const Interceptor = (lib as Record<string, unknown>).CacheMemoizeInterceptor as Type<NestInterceptor> | undefined;
const controllers: Array<Type<unknown>> = [PlainController, NestCacheController];
if (Interceptor) controllers.push(memoizeController(Interceptor));

class HttpBenchModule {}
const app = await NestFactory.create(
  {
    module: HttpBenchModule,
    imports: [CacheModule.register({ ttl: 600_000 }), lib.CacheMemoizeModule.forRoot()],
    controllers,
  },
  { logger: ['error'] },
);
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address() as { port: number };
console.log(
  JSON.stringify({
    port: address.port,
    routes: {
      'no cache': '/plain/products/1',
      '@nestjs/cache-manager CacheInterceptor': '/nest-cache/products/1',
      ...(Interceptor ? { 'nestjs-cache-memoize CacheMemoizeInterceptor': '/memoize/products/1' } : {}),
    },
    skipped: Interceptor ? undefined : 'our row skipped: this branch does not export CacheMemoizeInterceptor yet',
  }),
);

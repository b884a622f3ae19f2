import 'reflect-metadata';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  CacheConfigError,
  CacheMemoizeHealthIndicator,
  CacheMemoizeModule,
  CacheMemoizeStats,
  InvalidationService,
} from 'nestjs-cache-memoize';
import { AppModule, PriceList } from './app.module.js';

@Module({ imports: [CacheMemoizeModule.forRoot({ ttl: 'soon' })], providers: [PriceList] })
class MisconfiguredModule {}

@Module({
  imports: [CacheMemoizeModule.forRoot({ telemetry: { metrics: true, traces: true, hitSpans: true } })],
  providers: [PriceList],
})
class TelemetryModule {}

describe('nestjs-cache-memoize installed from its tarball (ESM, Nest 12)', () => {
  let app: INestApplicationContext | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('runs a memoized method once for the same arguments, again after invalidation', async () => {
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const prices = app.get(PriceList);

    expect(await prices.price('apple')).toBe(500);
    expect(await prices.price('apple')).toBe(500);
    expect(await prices.price('fig')).toBe(300);
    expect(prices.runs).toEqual(['apple', 'fig']);

    await app.get(InvalidationService).invalidate(PriceList, 'price', 'apple');
    expect(await prices.price('apple')).toBe(500);
    expect(prices.runs).toEqual(['apple', 'fig', 'apple']);
  });

  it('refuses a bad option at bootstrap with the exported CacheConfigError', async () => {
    const boot = NestFactory.createApplicationContext(MisconfiguredModule, { logger: false, abortOnError: false });
    await expect(boot).rejects.toBeInstanceOf(CacheConfigError);
  });

  it('boots and memoizes with telemetry asked for, without @opentelemetry/api or @nestjs/terminus installed', async () => {
    const require = createRequire(import.meta.url);
    expect(() => require.resolve('@opentelemetry/api')).toThrow();
    expect(() => require.resolve('@nestjs/terminus')).toThrow();

    app = await NestFactory.createApplicationContext(TelemetryModule, { logger: false });
    const prices = app.get(PriceList);
    expect(await prices.price('kiwi')).toBe(400);
    expect(await prices.price('kiwi')).toBe(400);
    expect(prices.runs).toEqual(['kiwi']);
    expect(app.get(CacheMemoizeStats).snapshot()['PriceList.price']).toMatchObject({
      hits: 1,
      localHits: 1,
      misses: 1,
    });
    await app.get(InvalidationService).invalidateAll();
    expect(await app.get(CacheMemoizeHealthIndicator).isHealthy('cache')).toEqual({
      cache: { status: 'up', aliases: {} },
    });
  });
});

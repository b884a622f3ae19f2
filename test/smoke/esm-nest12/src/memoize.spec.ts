import 'reflect-metadata';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheConfigError, CacheMemoizeModule, InvalidationService } from 'nestjs-cache-memoize';
import { AppModule, PriceList } from './app.module.js';

@Module({ imports: [CacheMemoizeModule.forRoot({ ttl: 'soon' })], providers: [PriceList] })
class MisconfiguredModule {}

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
});

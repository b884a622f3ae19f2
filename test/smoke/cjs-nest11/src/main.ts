// Compiled to CommonJS (this package has no "type": "module"), so every import below is a
// require(): the package must resolve to its CJS build and its CJS types.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { NestFactory } from '@nestjs/core';
import { InvalidationService } from 'nestjs-cache-memoize';
import { AppModule, PriceList } from './app.module.js';

async function main(): Promise<void> {
  const resolved = require.resolve('nestjs-cache-memoize');
  assert.match(resolved, /dist[\\/]cjs[\\/]index\.js$/);
  console.log(`ok - require() resolves the CommonJS build (${resolved})`);

  const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
  try {
    const prices = app.get(PriceList);
    assert.equal(await prices.price('apple'), 500);
    assert.equal(await prices.price('apple'), 500);
    assert.equal(await prices.price('fig'), 300);
    assert.deepEqual(prices.runs, ['apple', 'fig']);
    console.log('ok - a second call with the same arguments does not run the method');

    await app.get(InvalidationService).invalidate(PriceList, 'price', 'apple');
    assert.equal(await prices.price('apple'), 500);
    assert.deepEqual(prices.runs, ['apple', 'fig', 'apple']);
    console.log('ok - InvalidationService.invalidate() makes the next call run the method');
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error('not ok -', error);
  process.exit(1);
});

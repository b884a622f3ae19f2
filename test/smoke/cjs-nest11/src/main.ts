// Compiled to CommonJS (this package has no "type": "module"), so every import below is a
// require(): the package must resolve to its CJS build and its CJS types.
import 'reflect-metadata';
import { strict as assert } from 'node:assert';
import { NestFactory } from '@nestjs/core';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { InvalidationService } from 'nestjs-cache-memoize';
import { AppModule, PriceList } from './app.module.js';

async function main(): Promise<void> {
  const resolved = require.resolve('nestjs-cache-memoize');
  assert.match(resolved, /dist[\\/]cjs[\\/]index\.js$/);
  console.log(`ok - require() resolves the CommonJS build (${resolved})`);

  // This consumer has @opentelemetry/api and an SDK, registered before the app boots: the
  // CommonJS build must find the API (its import() compiles to require()) and share its globals.
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);

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

    await reader.forceFlush();
    const points = exporter
      .getMetrics()
      .flatMap((resource) => resource.scopeMetrics.flatMap((scope) => scope.metrics))
      .filter((metric) => metric.descriptor.name === 'cache_memoize.hits')
      .flatMap((metric) => metric.dataPoints as Array<{ value: unknown; attributes: Record<string, unknown> }>);
    const hits = points.find((point) => point.attributes['code.function.name'] === 'PriceList.price');
    assert.equal(hits?.value, 1);
    assert.equal(hits?.attributes['cache_memoize.tier'], 'local');
    console.log('ok - with @opentelemetry/api and an SDK installed, cache_memoize.hits is recorded');
  } finally {
    await app.close();
    await meterProvider.shutdown();
  }
}

main().catch((error: unknown) => {
  console.error('not ok -', error);
  process.exit(1);
});

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { InvalidationService } from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { BooksController, DownQuotes, Observed, SECRET, SharedQuotes } from '../../fixtures/observed.service.js';
import { parsePrometheusText, promQlReferences, type Sample } from '../../support/prometheus-text.js';
import { provideRedis, type RedisUnderTest, uniqueNamespace } from '../../support/redis-harness.js';
import { freePort } from '../../support/redis-server.js';

const DASHBOARD = new URL('../../../docs/grafana-dashboard.json', import.meta.url);

interface Dashboard {
  panels: Array<{ title: string; targets: Array<{ expr: string; legendFormat?: string }> }>;
  templating: { list: Array<{ name: string; type: string; query?: { query: string } }> };
}

/**
 * The OpenTelemetry Prometheus exporter on a real port, scraped over HTTP after a real app
 * (a memory alias and a Redis alias) has served hits, misses, stale values, errors, bypasses
 * and invalidations. The scrape also proves the Grafana dashboard queries real metrics.
 */
describe('a Prometheus scrape of the OpenTelemetry exporter', () => {
  let redis: RedisUnderTest | undefined;
  let exporter: PrometheusExporter;
  let provider: MeterProvider;
  let app: INestApplication;
  let samples: Sample[];
  let port: number;

  beforeAll(async () => {
    redis = await provideRedis();
    port = await freePort();
    await new Promise<void>((resolve, reject) => {
      exporter = new PrometheusExporter({ host: '127.0.0.1', port }, (error) => (error ? reject(error) : resolve()));
    });
    provider = new MeterProvider({ readers: [exporter] });
    metrics.disable();
    metrics.setGlobalMeterProvider(provider);

    const downPort = await freePort(); // nothing listens there: every call on 'down' is a store error
    app = await createApp(
      { providers: [Observed, SharedQuotes, DownQuotes], controllers: [BooksController] },
      {
        namespace: uniqueNamespace('prometheus'),
        storeTimeout: 200,
        caches: {
          default: { store: 'memory' },
          shared: { store: 'redis', url: redis!.url },
          down: { store: 'redis', url: `redis://127.0.0.1:${downPort}` },
        },
      },
    );
    const observed = app.get(Observed);
    const shared = app.get(SharedQuotes);
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    await shared.quote(SECRET);
    await shared.quote(SECRET);
    await expect(observed.broken(SECRET)).rejects.toThrow();
    await observed.rates(SECRET);
    await sleep(60);
    observed.failing = true;
    await observed.rates(SECRET);
    await observed.lookup('skip-me');
    await request(app.getHttpServer()).get('/books/1').expect(200);
    expect(await app.get(DownQuotes).quote(SECRET)).toBe(`direct quote for ${SECRET.length}`);
    await app.get(InvalidationService).invalidateTags('books', 'default');
    await app.get(InvalidationService).invalidate(SharedQuotes, 'quote', SECRET);

    const scrape = await request(`http://127.0.0.1:${port}`).get('/metrics').set('Connection', 'close').expect(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    samples = parsePrometheusText(scrape.text);
  });

  afterAll(async () => {
    await app?.close();
    await provider?.shutdown();
    await exporter?.stopServer();
    metrics.disable();
    await redis?.release();
  });

  const find = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

  it('carries the counters with their labels', () => {
    expect(find('cache_memoize_hits_total', { code_function_name: 'Observed.quote' })).toEqual([
      expect.objectContaining({
        labels: expect.objectContaining({ cache_memoize_cache: 'default', cache_memoize_tier: 'local' }),
        value: 1,
      }),
    ]);
    expect(find('cache_memoize_misses_total', { code_function_name: 'Observed.quote' })[0]?.value).toBe(1);
    expect(find('cache_memoize_stale_serves_total', { code_function_name: 'Observed.rates' })[0]?.value).toBe(1);
    expect(find('cache_memoize_bypasses_total', { cache_memoize_bypass_reason: 'skip' })[0]?.value).toBe(1);
    expect(find('cache_memoize_errors_total', { cache_memoize_error_source: 'method' }).length).toBeGreaterThan(0);
    expect(find('cache_memoize_invalidations_total', { cache_memoize_invalidation_kind: 'tag' })[0]?.value).toBe(1);
  });

  it('reports Redis hits as remote, and times its store calls', () => {
    expect(find('cache_memoize_hits_total', { code_function_name: 'SharedQuotes.quote' })).toEqual([
      expect.objectContaining({ labels: expect.objectContaining({ cache_memoize_tier: 'remote' }), value: 1 }),
    ]);
    const gets = find('cache_memoize_store_duration_count', {
      cache_memoize_cache: 'shared',
      cache_memoize_store_operation: 'get',
    });
    expect(gets[0]?.value).toBeGreaterThanOrEqual(2);
    expect(
      find('cache_memoize_store_duration_bucket', { cache_memoize_cache: 'shared', le: '+Inf' }).length,
    ).toBeGreaterThan(0);
  });

  it('times a read shared by concurrent calls once: it is one store call', async () => {
    const scrape = async () => {
      const text = (await request(`http://127.0.0.1:${port}`).get('/metrics').set('Connection', 'close')).text;
      const now = parsePrometheusText(text);
      const value = (name: string, labels: Record<string, string>) =>
        now
          .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
          .reduce((sum, x) => sum + x.value, 0);
      return {
        gets: value('cache_memoize_store_duration_count', {
          cache_memoize_cache: 'shared',
          cache_memoize_store_operation: 'get',
        }),
        hits: value('cache_memoize_hits_total', { code_function_name: 'SharedQuotes.quote' }),
      };
    };
    const shared = app.get(SharedQuotes);
    await shared.quote(SECRET); // stored again (the last test step invalidated it)
    const before = await scrape();
    await Promise.all(Array.from({ length: 20 }, () => shared.quote(SECRET)));
    const after = await scrape();
    expect(after.hits - before.hits).toBe(20);
    expect(after.gets - before.gets).toBe(1);
  });

  it('counts store failures as store errors and bypasses, and times the failed calls', () => {
    const owner = { cache_memoize_cache: 'down', code_function_name: 'DownQuotes.quote' };
    expect(find('cache_memoize_errors_total', { ...owner, cache_memoize_error_source: 'store' })[0]?.value).toBe(1);
    expect(
      find('cache_memoize_bypasses_total', { ...owner, cache_memoize_bypass_reason: 'store_error' })[0]?.value,
    ).toBe(1);
    const failed = find('cache_memoize_store_duration_count', { cache_memoize_cache: 'down' });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((sample) => sample.labels.error_type !== undefined)).toBe(true);
  });

  it('carries the recompute histogram with its buckets', () => {
    const buckets = find('cache_memoize_recompute_duration_bucket', {
      code_function_name: 'Observed.quote',
      cache_memoize_recompute_reason: 'miss',
    });
    expect(buckets.map((b) => b.labels.le)).toContain('+Inf');
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(1);
    expect(find('cache_memoize_recompute_duration_bucket', { http_route: '/books/:id' }).length).toBeGreaterThan(0);
  });

  it('never carries an argument value', () => {
    expect(JSON.stringify(samples)).not.toContain('7f3a9c');
  });

  it('feeds every panel of the Grafana dashboard: each query reads metrics and labels the module exports', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
    const queries = [
      ...dashboard.panels.flatMap((panel) =>
        panel.targets.map((target) => ({ where: panel.title, expr: target.expr, legend: target.legendFormat })),
      ),
      ...dashboard.templating.list
        .filter((variable) => variable.type === 'query')
        .map((variable) => ({ where: `variable ${variable.name}`, expr: variable.query!.query, legend: undefined })),
    ];
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(5);
    for (const { where, expr, legend } of queries) {
      const { metrics: used, labels } = promQlReferences(expr);
      expect({ where, used: used.length > 0 }).toEqual({ where, used: true });
      const exported = samples.filter((s) => used.includes(s.name));
      for (const metric of used) {
        expect({ where, metric, exported: exported.some((s) => s.name === metric) }).toEqual({
          where,
          metric,
          exported: true,
        });
      }
      const known = new Set(exported.flatMap((s) => Object.keys(s.labels)));
      const legendLabels = [...(legend ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map(([, label]) => label!);
      for (const label of [...labels, ...legendLabels]) {
        expect({ where, label, exported: known.has(label) }).toEqual({ where, label, exported: true });
      }
    }
  });

  it('adds to a prom-client registry in one text, as the README recipe does', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_orders_total', help: 'Orders placed', registers: [registry] }).inc(3);
    const serializer = new PrometheusSerializer(undefined, false, undefined, true);
    const { resourceMetrics } = await exporter.collect();
    const text = `${await registry.metrics()}\n${serializer.serialize(resourceMetrics)}`;

    const combined = parsePrometheusText(text);
    expect(combined.find((sample) => sample.name === 'app_orders_total')?.value).toBe(3);
    expect(
      combined.find(
        (sample) => sample.name === 'cache_memoize_hits_total' && sample.labels.code_function_name === 'Observed.quote',
      )?.value,
    ).toBe(1);
    expect(combined.some((sample) => sample.name === 'target_info')).toBe(false);
  });
});

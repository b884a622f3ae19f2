import { setTimeout as sleep } from 'node:timers/promises';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import {
  CacheConfigError,
  type CacheMemoizeModuleOptions,
  CacheMemoizeStats,
  InvalidationService,
} from '../../../lib/index.js';
import { createApp } from '../../fixtures/create-app.js';
import { BooksController, Observed, SECRET } from '../../fixtures/observed.service.js';
import { InMemoryOtel, type Point } from '../../support/otel-sdk.js';

const OWNER = 'code.function.name';
const CACHE = 'cache_memoize.cache';

/** The point of `name` whose attributes include `attributes`. */
function pointOf(points: Point[], name: string, attributes: Record<string, unknown>): Point | undefined {
  return points.find(
    (p) => p.name === name && Object.entries(attributes).every(([key, value]) => p.attributes[key] === value),
  );
}

describe('OpenTelemetry: metrics and spans of a real app, read through an in-memory SDK', () => {
  let otel: InMemoryOtel;
  let app: INestApplication;
  let observed: Observed;

  async function start(options: CacheMemoizeModuleOptions = {}): Promise<void> {
    app = await createApp({ providers: [Observed], controllers: [BooksController] }, options);
    observed = app.get(Observed);
  }

  beforeEach(() => {
    // Registered before the app boots, as an app's tracing setup file does.
    otel = InMemoryOtel.register();
  });
  afterEach(async () => {
    await app?.close();
    await otel.shutdown();
  });

  it('counts hits (local tier on a memory alias) and misses per method, and times each recompute', async () => {
    await start();
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    await observed.quote('another');

    const points = await otel.points();
    const base = { [CACHE]: 'default', [OWNER]: 'Observed.quote' };
    expect(pointOf(points, 'cache_memoize.hits', base)).toMatchObject({
      unit: '{hit}',
      value: 2,
      attributes: { ...base, 'cache_memoize.tier': 'local' },
    });
    expect(pointOf(points, 'cache_memoize.hits', { ...base, 'cache_memoize.tier': 'remote' })).toBeUndefined();
    expect(pointOf(points, 'cache_memoize.misses', base)).toMatchObject({ unit: '{miss}', value: 2 });
    const recompute = pointOf(points, 'cache_memoize.recompute.duration', {
      ...base,
      'cache_memoize.recompute.reason': 'miss',
    });
    expect(recompute).toMatchObject({ unit: 's', value: 2 });
    expect(recompute!.sum).toBeGreaterThanOrEqual(0);
    // Hits and misses of a method not called yet are there at 0, so a hit ratio is defined.
    expect(pointOf(points, 'cache_memoize.misses', { [OWNER]: 'Observed.lookup' })).toMatchObject({ value: 0 });
    // The figures agree with the in-process stats.
    expect(app.get(CacheMemoizeStats).snapshot()['Observed.quote']).toMatchObject({ hits: 2, localHits: 2, misses: 2 });
  });

  it('puts each recompute in a span, a child of the active span, and marks a throwing method failed', async () => {
    await start();
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('GET /quote', async (parent) => {
      await observed.quote(SECRET);
      await observed.quote(SECRET);
      await expect(observed.broken(SECRET)).rejects.toThrow(TypeError);
      parent.end();
    });

    const spans = otel.spans();
    const parent = spans.find((s) => s.name === 'GET /quote')!;
    const recompute = spans.filter((s) => s.name === 'recompute Observed.quote');
    expect(recompute).toHaveLength(1);
    expect(recompute[0]!.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(recompute[0]!.attributes).toEqual({
      [CACHE]: 'default',
      [OWNER]: 'Observed.quote',
      'cache_memoize.recompute.reason': 'miss',
    });
    const failed = spans.find((s) => s.name === 'recompute Observed.broken')!;
    expect(failed.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes['error.type']).toBe('TypeError');
    // No span per hit unless telemetry.hitSpans.
    expect(spans.filter((s) => s.name.startsWith('hit '))).toEqual([]);

    const points = await otel.points();
    expect(pointOf(points, 'cache_memoize.errors', { [OWNER]: 'Observed.broken' })).toMatchObject({
      unit: '{error}',
      value: 1,
      attributes: { 'cache_memoize.error.source': 'method' },
    });
    expect(
      pointOf(points, 'cache_memoize.recompute.duration', { [OWNER]: 'Observed.broken', 'error.type': 'TypeError' }),
    ).toMatchObject({ value: 1 });
  });

  it('counts stale values served and bypasses, with their reasons', async () => {
    await start();
    await observed.rates(SECRET);
    await sleep(60); // past the 30ms ttl, within staleIfError
    observed.failing = true;
    expect(await observed.rates(SECRET)).toBe(SECRET.length);
    expect(await observed.lookup('skip-me')).toBe('SKIP-ME');

    const points = await otel.points();
    expect(pointOf(points, 'cache_memoize.stale_serves', { [OWNER]: 'Observed.rates' })).toMatchObject({
      unit: '{serve}',
      value: 1,
    });
    expect(pointOf(points, 'cache_memoize.errors', { [OWNER]: 'Observed.rates' })).toMatchObject({
      value: 1,
      attributes: { 'cache_memoize.error.source': 'method' },
    });
    expect(pointOf(points, 'cache_memoize.bypasses', { [OWNER]: 'Observed.lookup' })).toMatchObject({
      unit: '{call}',
      value: 1,
      attributes: { 'cache_memoize.bypass.reason': 'skip' },
    });
    expect(
      otel.spans().find((s) => s.name === 'recompute Observed.rates' && s.status.code === SpanStatusCode.ERROR),
    ).toBeDefined();
  });

  it('counts invalidations per alias and kind, each in a span', async () => {
    await start();
    const invalidation = app.get(InvalidationService);
    await observed.quote(SECRET);
    await invalidation.invalidate(Observed, 'quote', SECRET);
    await invalidation.invalidateTags(['books', 'authors']);
    await invalidation.invalidatePrefix('Observed');
    await invalidation.invalidateAll('default');

    const points = await otel.points();
    const counted = (kind: string) =>
      pointOf(points, 'cache_memoize.invalidations', { [CACHE]: 'default', 'cache_memoize.invalidation.kind': kind });
    expect(counted('call')).toMatchObject({
      unit: '{invalidation}',
      value: 1,
      attributes: { [OWNER]: 'Observed.quote' },
    });
    expect(counted('tag')).toMatchObject({ value: 1 });
    expect(counted('prefix')).toMatchObject({ value: 1 });
    expect(counted('all')).toMatchObject({ value: 1 });
    expect(
      otel
        .spans()
        .filter((s) => s.name.startsWith('invalidate '))
        .map((s) => s.name),
    ).toEqual(['invalidate Observed.quote', 'invalidate tag', 'invalidate prefix', 'invalidate all']);
  });

  it('names a controller handler by its class, method and route template', async () => {
    await start();
    const server = app.getHttpServer();
    await request(server).get(`/books/${SECRET}`).expect(200);
    await request(server).get(`/books/${SECRET}`).expect(200).expect('X-Cache', 'HIT');

    const points = await otel.points();
    expect(pointOf(points, 'cache_memoize.hits', { [OWNER]: 'BooksController.book' })).toMatchObject({
      value: 1,
      attributes: { 'http.route': '/books/:id', [CACHE]: 'default', 'cache_memoize.tier': 'local' },
    });
    expect(otel.spans().find((s) => s.name === 'recompute BooksController.book')?.attributes['http.route']).toBe(
      '/books/:id',
    );
  });

  it('records a span per hit with telemetry.hitSpans', async () => {
    await start({ telemetry: { hitSpans: true } });
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    const hits = otel.spans().filter((s) => s.name === 'hit Observed.quote');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.attributes).toEqual({
      [CACHE]: 'default',
      [OWNER]: 'Observed.quote',
      'cache_memoize.tier': 'local',
    });
  });

  it('never puts a key, an argument value or an error message in an attribute, a span name or a status', async () => {
    await start({ telemetry: { hitSpans: true } });
    const server = app.getHttpServer();
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    await expect(observed.broken(SECRET)).rejects.toThrow(SECRET);
    await observed.rates(SECRET);
    await sleep(60);
    observed.failing = true;
    await observed.rates(SECRET);
    await observed.lookup(SECRET);
    await request(server).get(`/books/${SECRET}`).expect(200);
    await request(server).get(`/books/${SECRET}`).expect(200);
    await app.get(InvalidationService).invalidate(Observed, 'quote', SECRET);
    await app.get(InvalidationService).invalidateTags(SECRET);

    const points = await otel.points();
    const spans = otel.spans();
    expect(points.length).toBeGreaterThan(10);
    expect(spans.length).toBeGreaterThan(5);
    const exported = JSON.stringify({
      points,
      spans: spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })),
    });
    expect(exported).not.toContain(SECRET);
    expect(exported).not.toContain('7f3a9c');
  });

  it('records no points with metrics: false, and no spans with traces: false', async () => {
    await start({ telemetry: { metrics: false, traces: false } });
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    await expect(observed.broken(SECRET)).rejects.toThrow();
    await app.get(InvalidationService).invalidateAll();
    expect(await otel.points()).toEqual([]);
    expect(otel.spans()).toEqual([]);
    expect(app.get(CacheMemoizeStats).snapshot()['Observed.quote']).toMatchObject({ hits: 1, misses: 1 });
  });

  it('keeps spans with metrics: false, and points with traces: false', async () => {
    await start({ telemetry: { metrics: false } });
    await observed.quote(SECRET);
    expect(await otel.points()).toEqual([]);
    expect(otel.spans().map((s) => s.name)).toEqual(['recompute Observed.quote']);
    await app.close();

    await start({ telemetry: { traces: false } });
    await observed.quote(SECRET);
    expect(pointOf(await otel.points(), 'cache_memoize.misses', { [OWNER]: 'Observed.quote' })).toMatchObject({
      value: 1,
    });
    expect(otel.spans().filter((s) => s.name.startsWith('recompute'))).toHaveLength(1);
  });

  it('sums two applications of one process into one series, and drops an application once it is closed', async () => {
    await start();
    const closing = app;
    await observed.quote(SECRET);
    await start();
    await observed.quote(SECRET);
    await observed.quote(SECRET);
    const quote = { [OWNER]: 'Observed.quote' };
    const series = async (name: string) =>
      (await otel.points()).filter((p) => p.name === name && p.attributes[OWNER] === quote[OWNER]).map((p) => p.value);
    expect(await series('cache_memoize.misses')).toEqual([2]);
    expect(await series('cache_memoize.hits')).toEqual([1]);
    await closing.close();
    expect(await series('cache_memoize.misses')).toEqual([1]);
    expect(await series('cache_memoize.hits')).toEqual([1]);
  });

  it.each([
    [{ metrics: 'yes' }, /telemetry: \{ metrics \} \}\) is "yes"/],
    [{ hitSpans: true, traces: false }, /hitSpans.*traces/],
    ['on', /telemetry \}\) must be an object/],
    [{ metric: true }, /forRoot\(\{ telemetry \}\).*'metric'/],
  ])('refuses telemetry %j at bootstrap', async (telemetry, message) => {
    const options = { telemetry: telemetry as CacheMemoizeModuleOptions['telemetry'] };
    const error: unknown = await createApp({ providers: [Observed] }, options).catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(CacheConfigError);
    expect((error as Error).message).toMatch(message);
  });
});

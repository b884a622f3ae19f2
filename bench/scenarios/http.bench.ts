import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatCount, formatNs, formatRatio, type Goal, type Scenario } from '../support/report.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = 10;
/** The routes take turns, round after round, so a slow spell of this shared machine hits them all alike. */
const ROUNDS = 3;
const NEST_CACHE = '@nestjs/cache-manager CacheInterceptor';
const OURS = 'nestjs-cache-memoize CacheMemoizeInterceptor';

interface ServerInfo {
  port: number;
  routes: Record<string, string>;
  skipped?: string;
}

/**
 * 6. HTTP over loopback with autocannon: the same route with no cache, with Nest's
 * CacheInterceptor and with ours. The server runs in its own process (one core), so the
 * load generator does not share its event loop.
 */
export const http: Scenario = {
  id: 'http',
  title: '6. HTTP',
  async run() {
    const server = spawn(
      process.execPath,
      [...process.execArgv, fileURLToPath(new URL('./http.server.ts', import.meta.url))],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const info = await firstLine<ServerInfo>(server.stdout!);
      const urls = Object.entries(info.routes).map(([name, path]) => [name, `http://127.0.0.1:${info.port}${path}`]);
      for (const [, url] of urls) await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up, fills the caches
      const rounds = new Map<string, autocannon.Result[]>(urls.map(([name]) => [name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, url] of urls) {
          rounds.get(name)!.push(await autocannon({ url, connections: CONNECTIONS, duration: SECONDS / ROUNDS }));
        }
      }
      const results = new Map([...rounds].map(([name, runs]) => [name, medianRound(runs)]));
      const runs = (await (await fetch(`http://127.0.0.1:${info.port}/runs`)).json()) as Record<string, number>;
      const nest = results.get(NEST_CACHE)!;
      const rows = [...results].map(([name, r]) => [
        name,
        formatCount(r.requests.average),
        formatNs(r.latency.p50 * 1e6),
        formatNs(r.latency.p99 * 1e6),
        formatRatio(r.requests.average / nest.requests.average),
        String(r.non2xx + r.errors),
        String(runs[info.routes[name]!.split('/')[1]!] ?? 0),
      ]);
      const ours = results.get(OURS);
      const goals: Goal[] = [
        ours
          ? {
              goal: 'HTTP: ≥ 1.0× CacheInterceptor throughput',
              measured: formatRatio(ours.requests.average / nest.requests.average),
              met: ours.requests.average >= nest.requests.average,
            }
          : {
              goal: 'HTTP: ≥ 1.0× CacheInterceptor throughput',
              measured: 'our interceptor is not on this branch',
              met: undefined,
            },
      ];
      return {
        tables: [
          {
            title: `HTTP, Express, GET of a 100-object page (1 ms query behind it), ${CONNECTIONS} connections, the median of ${ROUNDS} interleaved rounds of ${(SECONDS / ROUNDS).toFixed(1)} s`,
            columns: ['', 'req/s', 'p50', 'p99', '× CacheInterceptor', 'errors', 'handler runs'],
            rows,
            notes: [
              '"Handler runs" counts the requests the route\'s handler served, warm-up included: a cached route serves almost all from its cache.',
            ],
          },
        ],
        goals,
        chart: [
          {
            title: 'HTTP cached route',
            unit: 'requests/s',
            higherIsBetter: true,
            bars: [...results].map(([name, r]) => ({
              label: name.split(' ').slice(0, 2).join(' '),
              value: r.requests.average,
              ours: name === OURS,
            })),
          },
        ],
        skipped: info.skipped ? [info.skipped] : [],
      };
    } finally {
      server.kill();
    }
  },
};

function medianRound(runs: autocannon.Result[]): autocannon.Result {
  return [...runs].sort((a, b) => a.requests.average - b.requests.average)[Math.floor(runs.length / 2)]!;
}

function firstLine<T>(stream: NodeJS.ReadableStream): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: stream });
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as T);
      } catch (error) {
        reject(error);
      }
    });
    lines.once('close', () => reject(new Error('the HTTP bench server exited before it was ready')));
  });
}

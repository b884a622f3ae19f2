import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatCount, formatNs, formatRatio, type Goal, type Scenario } from '../support/report.js';

const SECONDS = Number(process.env.BENCH_HTTP_SECONDS ?? 10);
const CONNECTIONS = 10;
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
      const results = new Map<string, autocannon.Result>();
      for (const [name, path] of Object.entries(info.routes)) {
        const url = `http://127.0.0.1:${info.port}${path}`;
        await autocannon({ url, connections: CONNECTIONS, duration: 1 }); // warm-up, fills the caches
        results.set(name, await autocannon({ url, connections: CONNECTIONS, duration: SECONDS }));
      }
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
            title: `HTTP, Express, GET of a 100-object page (1 ms query behind it), ${CONNECTIONS} connections, ${SECONDS} s each`,
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

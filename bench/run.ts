/**
 * `npm run bench`: runs every scenario, prints the tables, and writes
 * bench/results/latest.md and bench/results/chart.svg (and the README's results block,
 * between `<!-- bench:start -->` and `<!-- bench:end -->`, when it has one).
 *   npm run bench -- memory-hit codec   runs only those scenarios and writes nothing
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { codec } from './scenarios/codec.bench.js';
import { heap } from './scenarios/heap.bench.js';
import { http } from './scenarios/http.bench.js';
import { memoryHit } from './scenarios/memory-hit.bench.js';
import { miss } from './scenarios/miss.bench.js';
import { redisHit } from './scenarios/redis-hit.bench.js';
import { realm } from './scenarios/realm.bench.js';
import { stampede } from './scenarios/stampede.bench.js';
import { hotKey } from './scenarios/hot-key.bench.js';
import { instances, localHitScenario } from './scenarios/instances.bench.js';
import { telemetry } from './scenarios/telemetry.bench.js';
import { renderChart } from './support/chart.js';
import { describeMachine } from './support/machine.js';
import { type ChartPanel, type Goal, goalLine, markdownTable, type Scenario } from './support/report.js';

const SCENARIOS: Scenario[] = [
  memoryHit,
  miss,
  redisHit,
  codec,
  stampede,
  http,
  heap,
  hotKey,
  localHitScenario,
  instances,
  telemetry,
  realm,
];
const RESULTS = new URL('./results/', import.meta.url);
const README = new URL('../README.md', import.meta.url);

const only = process.argv.slice(2);
const unknown = only.filter((id) => !SCENARIOS.some((s) => s.id === id));
if (unknown.length)
  throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
const selected = only.length ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;

const started = performance.now();
const machine = describeMachine();
const sections: string[] = [];
const goals: Goal[] = [];
const chart: ChartPanel[] = [];
let failed = false;
console.log(`# nestjs-cache-memoize benchmarks\n\n${machine.join('\n')}\n`);

for (const scenario of selected) {
  const at = performance.now();
  console.log(`## ${scenario.title}\n`);
  try {
    const result = await scenario.run();
    const parts = [...result.tables.map(markdownTable), ...(result.skipped ?? []).map((why) => `_Skipped: ${why}_`)];
    const section = `## ${scenario.title}\n\n${parts.join('\n\n')}\n`;
    console.log(parts.join('\n\n'), `\n\n(${((performance.now() - at) / 1000).toFixed(1)} s)\n`);
    sections.push(section);
    goals.push(...(result.goals ?? []));
    chart.push(...(result.chart ?? []));
  } catch (error) {
    failed = true;
    console.error(`${scenario.title} failed:`, error);
    sections.push(`## ${scenario.title}\n\n_Failed: ${(error as Error).message}_\n`);
  }
}

const seconds = (performance.now() - started) / 1000;
const goalList = goals.map(goalLine).join('\n');
console.log(`## Goals\n\n${goalList}\n\nTotal: ${seconds.toFixed(0)} s`);

if (only.length === 0) {
  const header = `# Benchmark results\n\nWritten by \`npm run bench\` in ${seconds.toFixed(0)} s.\n\n${machine.join('\n')}\n\n![chart](chart.svg)\n`;
  const md = `${header}\n## Goals\n\n${goalList}\n\n${sections.join('\n')}`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('latest.md', RESULTS), md);
  writeFileSync(
    new URL('chart.svg', RESULTS),
    renderChart(chart, machine[1]!.replace('- Machine: ', '') + ' · ' + machine[0]!.replace('- Date: ', '')),
  );
  updateReadme(
    `${machine.join('\n')}\n\n![Benchmarks](bench/results/chart.svg)\n\n${goalList}\n\n${sections.map(firstTable).join('\n')}\n` +
      `All tables: [bench/results/latest.md](bench/results/latest.md).`,
  );
  console.log('\nWrote bench/results/latest.md and bench/results/chart.svg');
}
process.exit(failed ? 1 : 0);

/** A scenario's heading, first table and the notes under it: the README shows one table per scenario. */
function firstTable(section: string): string {
  const tableEnd = section.search(/\|\n\n(?!\|)/);
  const next = section.indexOf('\n**', tableEnd);
  return (next === -1 ? section : section.slice(0, next)).replace(/^## /, '#### ').trimEnd() + '\n';
}

/** Refreshes the README's results block, if the README has one. */
function updateReadme(block: string): void {
  if (!existsSync(README)) return;
  const text = readFileSync(README, 'utf8');
  const updated = text.replace(/(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/, `$1${block}\n$2`);
  if (updated !== text) writeFileSync(README, updated);
}

import type { Timing } from './measure.js';

/** A table of one scenario, rendered as Markdown in the terminal and in latest.md. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  notes?: string[];
}

/** A goal of the issue: met, missed, or not measured in this run (`met: undefined`). */
export interface Goal {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

export interface ChartBar {
  label: string;
  value: number;
  ours?: boolean;
}

/** One panel of the chart: bars of one unit, shorter is better unless `higherIsBetter`. */
export interface ChartPanel {
  title: string;
  unit: string;
  higherIsBetter?: boolean;
  bars: ChartBar[];
}

export interface ScenarioResult {
  tables: Table[];
  goals?: Goal[];
  chart?: ChartPanel[];
  /** Why the scenario, or part of it, did not run. */
  skipped?: string[];
}

export interface Scenario {
  id: string;
  title: string;
  run(): Promise<ScenarioResult>;
}

export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  if (ns < 1e3) return `${Math.round(ns)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(2)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return n.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

export function formatBytes(bytes: number): string {
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (Math.abs(bytes) >= 10 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${Math.round(bytes).toLocaleString('en-US')} B`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : '–';
}

/**
 * Rows of latency tables: median, p99, ops/s, and the median as a ratio to `reference`
 * (the floor, or raw) and to our row, so every figure reads against both.
 */
export function timingTable(
  title: string,
  timings: readonly Timing[],
  reference: string,
  ours: string,
  notes?: string[],
): Table {
  const ref = timings.find((t) => t.name === reference);
  const us = timings.find((t) => t.name === ours);
  return {
    title,
    columns: ['', 'median', 'p99', 'ops/s', `× ${reference.split(' (')[0]}`, '× us'],
    rows: timings.map((t) => [
      t.name,
      formatNs(t.medianNs),
      formatNs(t.p99Ns),
      formatCount(t.opsPerSec),
      ref ? formatRatio(t.medianNs / ref.medianNs) : '–',
      us ? formatRatio(t.medianNs / us.medianNs) : '–',
    ]),
    notes,
  };
}

export function markdownTable(table: Table): string {
  const all = [table.columns, ...table.rows];
  const widths = table.columns.map((_, c) => Math.max(3, ...all.map((row) => (row[c] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (c === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ')} |`;
  const notes = (table.notes ?? []).map((note) => `\n${note}`).join('\n');
  return (
    [`**${table.title}**`, '', line(table.columns), rule, ...table.rows.map(line)].join('\n') +
    (notes ? `\n${notes}` : '')
  );
}

export function goalLine(goal: Goal): string {
  const status = goal.met === undefined ? 'NOT MEASURED' : goal.met ? 'MET' : 'NOT MET';
  return `- **${status}** — ${goal.goal}: ${goal.measured}`;
}

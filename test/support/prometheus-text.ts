/** One sample of a Prometheus text-format scrape. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (what a scrape returns) into samples. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[key!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** What a PromQL expression reads: metric names and the label names it filters or groups by. */
export interface PromQlReferences {
  metrics: string[];
  labels: string[];
}

const PROMQL_WORDS = new Set([
  'sum',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'by',
  'without',
  'avg',
  'max',
  'min',
  'count',
  'label_values',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'offset',
  'bool',
]);

/**
 * The metrics and labels a PromQL expression (or a Grafana `label_values(metric, label)`
 * query, or a legend's `{{label}}`) refers to. Small on purpose: enough for the queries of a
 * dashboard, with no PromQL grammar of its own to get wrong silently (an unknown token fails).
 */
export function promQlReferences(expr: string): PromQlReferences {
  const labels = new Set<string>();
  let rest = expr.replace(/\$__\w+|\$\w+/g, 'VAR');
  for (const [, list] of rest.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
    for (const label of list!.split(',')) if (label.trim()) labels.add(label.trim());
  }
  rest = rest.replace(/\b(?:by|without)\s*\([^)]*\)/g, ' ');
  for (const [, matchers] of rest.matchAll(/\{([^}]*)\}/g)) {
    for (const [, label] of matchers!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)) labels.add(label!);
  }
  const labelValues = /label_values\(\s*(\w+)\s*,\s*(\w+)\s*\)/.exec(rest);
  if (labelValues) labels.add(labelValues[2]!);
  rest = rest
    .replace(/label_values\(\s*(\w+)\s*,\s*\w+\s*\)/g, '$1')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/"[^"]*"/g, ' ');
  const metrics = new Set<string>();
  for (const [token] of rest.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    if (PROMQL_WORDS.has(token) || token === 'VAR') continue;
    metrics.add(token);
  }
  return { metrics: [...metrics], labels: [...labels] };
}

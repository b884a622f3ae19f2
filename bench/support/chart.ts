import type { ChartPanel } from './report.js';

const WIDTH = 800;
const LABEL = 330;
const BAR_AREA = 360;
const BAR = 18;
const GAP = 6;
const PANEL_HEAD = 34;
const PANEL_FOOT = 16;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A plain horizontal bar chart, one panel per measurement, our bars in a second colour.
 * Hand-built so the README's picture has no runtime or font dependency beyond SVG text.
 */
export function renderChart(panels: readonly ChartPanel[], caption: string): string {
  const parts: string[] = [];
  let y = 28;
  parts.push(`<text x="12" y="18" class="caption">${escape(caption)}</text>`);
  for (const panel of panels) {
    const max = Math.max(...panel.bars.map((bar) => bar.value), 1e-9);
    const hint = panel.higherIsBetter ? 'higher is better' : 'lower is better';
    parts.push(
      `<text x="12" y="${y + 20}" class="title">${escape(panel.title)} <tspan class="hint">(${panel.unit}, ${hint})</tspan></text>`,
    );
    y += PANEL_HEAD;
    for (const bar of panel.bars) {
      const width = Math.max(1, (bar.value / max) * BAR_AREA);
      parts.push(
        `<text x="${LABEL - 8}" y="${y + BAR - 5}" class="label" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${width.toFixed(1)}" height="${BAR}" rx="2" class="${bar.ours ? 'ours' : 'peer'}"/>`,
        `<text x="${(LABEL + width + 6).toFixed(1)}" y="${y + BAR - 5}" class="value">${escape(formatValue(bar.value))}</text>`,
      );
      y += BAR + GAP;
    }
    y += PANEL_FOOT;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    '<style>.caption{font-size:11px;fill:#666}.title{font-size:14px;font-weight:600;fill:#222}.hint{font-weight:400;fill:#777;font-size:12px}',
    '.label{font-size:12px;fill:#333}.value{font-size:11px;fill:#444}.ours{fill:#e0234e}.peer{fill:#8a94a6}</style>',
    `<rect width="${WIDTH}" height="${y}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function formatValue(value: number): string {
  if (value >= 1e4) return Math.round(value).toLocaleString('en-US');
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

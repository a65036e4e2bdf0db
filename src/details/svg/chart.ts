import { escapeXml, px } from './escape.js';
import { linePath, type Point } from './path.js';
import { formatTimeTick, linearScale, timeTicks, valueTicks } from './scale.js';

export interface ChartSeries {
  name: string;
  color: string;
  points: readonly Point[];
}

export interface ChartSpec {
  /** The chart's accessible name, e.g. `checkout: burn rate, last 6 h`. */
  title: string;
  /** Unix seconds. */
  start: number;
  end: number;
  y: { min: number; max: number; unit: '×' | '%'; label: string };
  series: readonly ChartSeries[];
  /** Horizontal lines: a rule's factor, a budget tier's threshold. */
  thresholds: ReadonlyArray<{ value: number; label: string; color: string }>;
  /** Shaded periods: when the gate blocked (`failure`) or lacked data (`error`). */
  bands: ReadonlyArray<{ start: number; end: number; kind: 'failure' | 'error' }>;
  /** Vertical markers: deployments. */
  markers: ReadonlyArray<{ at: number; label: string }>;
  width?: number;
  height?: number;
}

/** The plot area inside the chart: room for the value axis on the left and threshold labels on the right. */
export const MARGIN = { top: 14, right: 92, bottom: 34, left: 58 };

const BAND_FILL = { failure: '#d1242f', error: '#8c959f' } as const;

/** Where the chart puts a time and a value, for the chart itself and for tests that check what it drew. */
export function chartScales(spec: Pick<ChartSpec, 'start' | 'end' | 'y' | 'width' | 'height'>) {
  const width = spec.width ?? 760;
  const height = spec.height ?? 230;
  const plot = { left: MARGIN.left, right: width - MARGIN.right, top: MARGIN.top, bottom: height - MARGIN.bottom };
  return {
    width,
    height,
    plot,
    x: linearScale([spec.start, spec.end], [plot.left, plot.right]),
    y: linearScale([spec.y.min, spec.y.max], [plot.bottom, plot.top]),
  };
}

/**
 * A time chart as one self-contained `<svg>`: value axis in the chart's unit, time axis in UTC,
 * a line per series broken wherever a sample is missing (never drawn across a gap), values
 * beyond the axis clipped at its edge, threshold lines, shaded bands and markers. Pure.
 */
export function renderChart(spec: ChartSpec): string {
  const { width, height, plot, x, y } = chartScales(spec);
  const clipId = `clip-${hash(spec.title)}`;
  const unit = (value: number) => `${Number(value.toPrecision(6))}${spec.y.unit}`;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(spec.title)}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(spec.title)}</title>`,
    `<defs><clipPath id="${clipId}"><rect x="${px(plot.left)}" y="${px(plot.top)}" width="${px(plot.right - plot.left)}" height="${px(plot.bottom - plot.top)}"/></clipPath></defs>`,
  );
  for (const band of spec.bands) {
    const from = Math.max(plot.left, x(band.start));
    const to = Math.min(plot.right, x(band.end));
    if (!(to > from)) continue;
    parts.push(
      `<rect data-band="${band.kind}" data-start="${band.start}" data-end="${band.end}" x="${px(from)}" y="${px(plot.top)}" width="${px(to - from)}" height="${px(plot.bottom - plot.top)}" fill="${BAND_FILL[band.kind]}" fill-opacity="0.14"/>`,
    );
  }
  for (const tick of valueTicks(spec.y.min, spec.y.max)) {
    const at = px(y(tick));
    parts.push(
      `<line x1="${px(plot.left)}" x2="${px(plot.right)}" y1="${at}" y2="${at}" stroke="#d0d7de" stroke-width="1"/>`,
      `<text data-tick-value="${tick}" x="${px(plot.left - 6)}" y="${at}" text-anchor="end" dominant-baseline="middle" fill="#57606a">${escapeXml(unit(tick))}</text>`,
    );
  }
  const span = spec.end - spec.start;
  for (const tick of timeTicks(spec.start, spec.end)) {
    const at = px(x(tick));
    parts.push(
      `<line x1="${at}" x2="${at}" y1="${px(plot.bottom)}" y2="${px(plot.bottom + 4)}" stroke="#57606a"/>`,
      `<text data-tick-time="${tick}" x="${at}" y="${px(plot.bottom + 16)}" text-anchor="middle" fill="#57606a">${escapeXml(formatTimeTick(tick, span))}</text>`,
    );
  }
  parts.push(
    `<text x="${px(plot.right)}" y="${px(plot.bottom + 30)}" text-anchor="end" fill="#57606a">time (UTC)</text>`,
    `<text x="12" y="${px((plot.top + plot.bottom) / 2)}" transform="rotate(-90 12 ${px((plot.top + plot.bottom) / 2)})" text-anchor="middle" fill="#57606a">${escapeXml(spec.y.label)}</text>`,
    `<rect x="${px(plot.left)}" y="${px(plot.top)}" width="${px(plot.right - plot.left)}" height="${px(plot.bottom - plot.top)}" fill="none" stroke="#8c959f"/>`,
  );
  for (const line of spec.thresholds) {
    if (line.value < spec.y.min || line.value > spec.y.max) continue;
    const at = px(y(line.value));
    parts.push(
      `<line data-threshold="${line.value}" x1="${px(plot.left)}" x2="${px(plot.right)}" y1="${at}" y2="${at}" stroke="${line.color}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${px(plot.right + 4)}" y="${at}" dominant-baseline="middle" fill="${line.color}">${escapeXml(line.label)}</text>`,
    );
  }
  for (const marker of spec.markers) {
    if (marker.at < spec.start || marker.at > spec.end) continue;
    const at = px(x(marker.at));
    parts.push(
      `<line data-marker="${marker.at}" x1="${at}" x2="${at}" y1="${px(plot.top)}" y2="${px(plot.bottom)}" stroke="#24292f" stroke-width="1.5" stroke-dasharray="2 3"/>`,
      `<text x="${at}" y="${px(plot.top + 10)}" dx="3" fill="#24292f">${escapeXml(marker.label)}</text>`,
    );
  }
  parts.push(`<g clip-path="url(#${clipId})" fill="none" stroke-width="2" stroke-linejoin="round" stroke-linecap="round">`);
  for (const series of spec.series) {
    const d = linePath(series.points, x, y);
    if (d) parts.push(`<path data-series="${escapeXml(series.name)}" d="${d}" stroke="${series.color}"/>`);
  }
  parts.push('</g></svg>');
  return parts.join('');
}

/** A short, stable id from a title, so several charts on a page keep their clip paths apart. */
function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

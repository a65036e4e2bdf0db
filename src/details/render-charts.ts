import type { Episode } from '../backtest/timeline.js';
import type { Policy } from '../policy/schema.js';
import { formatBurn } from '../render/numbers.js';
import type { SloHistory, SpanHistory } from './collect.js';
import { renderChart, type ChartSpec } from './svg/chart.js';
import { escapeXml } from './svg/escape.js';
import { niceCeiling } from './svg/scale.js';

/** Window colours, in the policy's window order: distinguishable, and readable on white. */
const PALETTE = ['#0969da', '#bc4c00', '#1a7f37', '#8250df', '#bf3989', '#0a3069', '#953800', '#116329'];
const RULE_COLOR = '#cf222e';
const TIER_COLORS = { warnBelow: '#9a6700', restrictBelow: '#bc4c00', freezeBelow: '#953800', blockBelow: '#cf222e' } as const;

export interface Marker {
  at: number;
  label: string;
}

/** The shaded periods of one SLO: the timeline's episodes that name it. */
export function bandsFor(slo: string, episodes: readonly Episode[]): ChartSpec['bands'] {
  return episodes.filter((e) => e.reasons.some((r) => r.slo === slo)).map((e) => ({ start: e.start, end: e.end, kind: e.state }));
}

/**
 * The burn-rate chart of one SLO over one span: a line per rule window, each rule's factor as a
 * dashed line. The axis reaches a little past the highest factor, or up to the data when it is
 * higher, but no further than 4× the highest factor: an outage of 500× must not flatten the
 * lines that decide. Values above are cut at the top edge, and the legend says so.
 */
export function burnChart(history: SloHistory, span: SpanHistory, policy: Policy, markers: readonly Marker[]): { svg: string; legend: string } {
  const rules = policy.burnRate.rules;
  const highestFactor = Math.max(1, ...rules.map((r) => r.factor));
  const highestValue = Math.max(0, ...history.burn.flatMap((w) => w.points.map(([, v]) => (v !== undefined && Number.isFinite(v) ? v : 0))));
  const max = niceCeiling(Math.min(highestFactor * 4, Math.max(highestFactor * 1.15, highestValue * 1.05)));
  const series = history.burn.map((w, i) => ({ name: w.window, color: PALETTE[i % PALETTE.length]!, points: w.points }));
  const svg = renderChart({
    title: `${history.slo.name}: burn rate over each rule window, last ${span.span.label}`,
    start: span.start,
    end: span.end,
    y: { min: 0, max, unit: '×', label: 'burn rate (× budget)' },
    series,
    thresholds: rules.map((r) => ({ value: r.factor, label: `${r.name} ${formatBurn(r.factor)}`, color: RULE_COLOR })),
    bands: bandsFor(history.slo.name, span.timeline.episodes),
    markers,
  });
  const clipped = highestValue > max ? ` Values above ${formatBurn(max)} (up to ${formatBurn(highestValue)}) are cut off at the top.` : '';
  const items = series.map((s) => `<span class="key"><span class="swatch" style="background:${s.color}"></span>${escapeXml(s.name)} window</span>`);
  return { svg, legend: `${items.join(' ')}${escapeXml(clipped)}` };
}

/** The budget left over the SLO period, in percent, with the policy's tier thresholds. */
export function budgetChart(history: SloHistory, span: SpanHistory, policy: Policy, markers: readonly Marker[]): string {
  const values = history.budgetLeft.flatMap(([, v]) => (v !== undefined && Number.isFinite(v) ? [v] : []));
  // An overspent budget goes below 0%; past -100% (spent twice over) the axis stops and the line is cut.
  const lowest = Math.max(-100, Math.min(0, ...values));
  const min = lowest < 0 ? -niceCeiling(-lowest) : 0;
  const { budget } = policy;
  const tiers = (['warnBelow', 'restrictBelow', 'freezeBelow', 'blockBelow'] as const).flatMap((tier) => {
    const value = budget[tier];
    return value === undefined ? [] : [{ value, label: `${tier.replace('Below', '')} ${value}%`, color: TIER_COLORS[tier] }];
  });
  return renderChart({
    title: `${history.slo.name}: error budget left over ${history.slo.period}, last ${span.span.label}`,
    start: span.start,
    end: span.end,
    y: { min, max: 100, unit: '%', label: 'budget left' },
    series: [{ name: 'budget', color: '#0969da', points: history.budgetLeft }],
    thresholds: tiers,
    bands: bandsFor(history.slo.name, span.timeline.episodes),
    markers,
  });
}

import { describe, expect, it } from 'vitest';
import { chartScales, renderChart, type ChartSpec } from '../../../src/details/svg/chart.js';
import { escapeXml } from '../../../src/details/svg/escape.js';
import { linePath, runs } from '../../../src/details/svg/path.js';
import { formatTimeTick, formatUtc, linearScale, niceCeiling, timeTicks, valueTicks } from '../../../src/details/svg/scale.js';

const T = 1_800_000_000 - (1_800_000_000 % 86_400); // a UTC midnight

describe('chart scales', () => {
  it.each([
    [[0, 10], [100, 0], 0, 100],
    [[0, 10], [100, 0], 10, 0],
    [[0, 10], [100, 0], 2.5, 75],
    [[0, 10], [100, 0], 20, -100],
    [[5, 5], [0, 100], 5, 50],
  ] as const)('maps %j onto %j: %d at %d px', (domain, range, value, expected) => {
    expect(linearScale(domain, range)(value)).toBeCloseTo(expected, 9);
  });

  it.each([
    [0, 20, [0, 5, 10, 15, 20]],
    [0, 18, [0, 5, 10, 15]],
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [-20, 100, [0, 25, 50, 75, 100]],
  ])('puts value ticks from %d to %d at round numbers', (min, max, expected) => {
    expect(valueTicks(min, max)).toEqual(expected);
  });

  it.each([
    [14.4, 15],
    [18, 20],
    [0.3, 0.3],
    [0, 1],
  ])('ends an axis holding %d at %d', (value, expected) => {
    expect(niceCeiling(value)).toBeCloseTo(expected, 9);
  });

  it('ticks six hours on whole UTC hours, and three days at midnight and noon', () => {
    expect(timeTicks(T + 1800, T + 1800 + 6 * 3600)).toEqual([1, 2, 3, 4, 5, 6].map((h) => T + h * 3600));
    expect(timeTicks(T - 3 * 86_400 + 60, T + 60)).toEqual([-5, -4, -3, -2, -1, 0].map((h) => T + h * 12 * 3600));
  });

  it('labels times in UTC, with the date once the span is longer than a day', () => {
    expect(formatTimeTick(T + 9 * 3600 + 5 * 60, 6 * 3600)).toBe('09:05');
    expect(formatTimeTick(Date.UTC(2026, 11, 2, 12) / 1000, 3 * 86_400)).toBe('Dec 2 12:00');
    expect(formatUtc(Date.UTC(2026, 11, 2, 9, 25, 59) / 1000)).toBe('2026-12-02 09:25 UTC');
  });
});

describe('chart lines', () => {
  it('breaks a line at every missing sample instead of joining across the gap', () => {
    const points = [
      [0, 1],
      [60, 2],
      [120, undefined],
      [180, Number.NaN],
      [240, 3],
      [300, 4],
    ] as const;
    expect(runs(points)).toEqual([
      [
        [0, 1],
        [60, 2],
      ],
      [
        [240, 3],
        [300, 4],
      ],
    ]);
    expect(
      linePath(
        points,
        (t) => t / 10,
        (v) => 100 - v * 10,
      ),
    ).toBe('M0 90L6 80M24 70L30 60');
  });

  it('leaves out the points of a flat stretch between its ends, keeping every bend', () => {
    const flat = [0, 60, 120, 180, 240, 300].map((t, i) => [t, i < 4 ? 1 : 2] as const);
    expect(
      linePath(
        flat,
        (t) => t,
        (v) => v,
      ),
    ).toBe('M0 1L180 1L240 2L300 2');
  });

  it('draws a lone sample between two gaps as a dot, not as nothing', () => {
    expect(
      linePath(
        [
          [0, undefined],
          [60, 5],
          [120, undefined],
        ],
        (t) => t,
        (v) => v,
      ),
    ).toBe('M60 5h0');
  });

  it('draws nothing at all for a series with no data', () => {
    expect(
      linePath(
        [
          [0, undefined],
          [60, undefined],
        ],
        (t) => t,
        (v) => v,
      ),
    ).toBe('');
  });
});

const spec: ChartSpec = {
  title: 'checkout: burn rate, last 6 h',
  start: T,
  end: T + 6 * 3600,
  y: { min: 0, max: 20, unit: '×', label: 'burn rate' },
  series: [
    {
      name: '1h',
      color: '#0969da',
      points: [
        [T, 0],
        [T + 3 * 3600, 10],
        [T + 6 * 3600, 40],
      ],
    },
  ],
  thresholds: [{ value: 14.4, label: 'fast 14.4×', color: '#cf222e' }],
  bands: [{ start: T + 3600, end: T + 2 * 3600, kind: 'failure' }],
  markers: [{ at: T + 4 * 3600, label: 'deploy production' }],
};

describe('a chart', () => {
  const svg = renderChart(spec);
  const { plot } = chartScales(spec);
  const xAt = (hours: number) => plot.left + ((plot.right - plot.left) * hours) / 6;
  const yAt = (value: number) => plot.bottom - ((plot.bottom - plot.top) * value) / 20;

  it('puts each sample where its time and value say, and clips values beyond the axis at its edge', () => {
    const d = /data-series="1h" d="([^"]+)"/.exec(svg)![1]!;
    const points = d
      .slice(1)
      .split('L')
      .map((p) => p.split(' ').map(Number));
    expect(points).toHaveLength(3);
    expect(points[0]![0]).toBeCloseTo(xAt(0), 0);
    expect(points[0]![1]).toBeCloseTo(yAt(0), 0);
    expect(points[1]![0]).toBeCloseTo(xAt(3), 0);
    expect(points[1]![1]).toBeCloseTo(yAt(10), 0);
    expect(points[2]![1]).toBeCloseTo(yAt(40), 0); // above the plot: the clip path cuts it at the top
    expect(svg).toMatch(/<g clip-path="url\(#clip-[a-z0-9]+\)"/);
  });

  it('draws the rule factor as a horizontal line at its value, labelled', () => {
    const line = /<line data-threshold="14.4" x1="([\d.]+)" x2="([\d.]+)" y1="([\d.]+)" y2="([\d.]+)"/.exec(svg)!;
    expect(Number(line[3])).toBeCloseTo(yAt(14.4), 0);
    expect(Number(line[1])).toBe(plot.left);
    expect(Number(line[2])).toBe(plot.right);
    expect(svg).toContain('>fast 14.4×</text>');
  });

  it('shades a blocked period from its first blocked step to the step that passed again', () => {
    const band = /<rect data-band="failure" data-start="\d+" data-end="\d+" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/.exec(svg)!;
    expect(Number(band[1])).toBeCloseTo(xAt(1), 0);
    expect(Number(band[2])).toBeCloseTo(xAt(2) - xAt(1), 0);
  });

  it('labels the value axis in the unit and the time axis in UTC, saying so', () => {
    expect(svg).toContain('data-tick-value="15"');
    expect(svg).toContain('>15×</text>');
    expect(svg).toContain('>time (UTC)</text>');
    expect(svg).toContain('>03:00</text>');
  });

  it('marks a deployment with a vertical line at its time', () => {
    expect(svg).toMatch(new RegExp(`data-marker="${T + 4 * 3600}" x1="${xAt(4).toFixed(1).replace(/\.0$/, '')}"`));
    expect(svg).toContain('>deploy production</text>');
  });

  it('escapes every text it is given', () => {
    const hostile = renderChart({ ...spec, title: '<script>alert(1)</script>', markers: [{ at: T + 60, label: '"><img src=x>' }] });
    expect(hostile).not.toContain('<script>');
    expect(hostile).not.toContain('<img');
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('leaves out a band, a marker or a threshold entirely outside the chart', () => {
    const outside = renderChart({
      ...spec,
      bands: [{ start: T - 7200, end: T - 3600, kind: 'error' }],
      markers: [{ at: T - 60, label: 'old' }],
      thresholds: [{ value: 50, label: 'off', color: '#000' }],
    });
    expect(outside).not.toContain('data-band');
    expect(outside).not.toContain('data-marker');
    expect(outside).not.toContain('data-threshold');
  });
});

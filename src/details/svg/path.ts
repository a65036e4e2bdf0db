import { px } from './escape.js';

/** A sample: a time and its value, undefined (or not finite) where the data is missing. */
export type Point = readonly [at: number, value: number | undefined];

/**
 * The runs of consecutive present samples: a missing sample ends a run, so a line never joins
 * across a gap. Samples must be in time order.
 */
export function runs(points: readonly Point[]): Array<Array<readonly [number, number]>> {
  const out: Array<Array<readonly [number, number]>> = [];
  let current: Array<readonly [number, number]> | undefined;
  for (const [at, value] of points) {
    if (value === undefined || !Number.isFinite(value)) {
      current = undefined;
      continue;
    }
    if (!current) out.push((current = []));
    current.push([at, value]);
  }
  return out;
}

/**
 * SVG path data for a line through the samples, one subpath per run. A run of one sample is a
 * zero-length subpath, which a round line cap draws as a dot: a lone sample stays visible. Inside
 * a run, a point at the same height as both its neighbours is left out: the straight line between
 * them passes through it anyway, and a flat hour is two points instead of sixty.
 */
export function linePath(points: readonly Point[], x: (at: number) => number, y: (value: number) => number): string {
  return runs(points)
    .map((run) => {
      const coordinates = run.map(([at, value]) => [px(x(at)), px(y(value))] as const);
      const kept = coordinates.filter(([, h], i) => i === 0 || i === coordinates.length - 1 || h !== coordinates[i - 1]![1] || h !== coordinates[i + 1]![1]);
      const [first, ...rest] = kept.map(([a, b]) => `${a} ${b}`);
      return rest.length === 0 ? `M${first}h0` : `M${first}L${rest.join('L')}`;
    })
    .join('');
}

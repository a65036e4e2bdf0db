import { buildTimeline, type Timeline } from '../backtest/timeline.js';
import { measureRange } from '../backtest/measure-range.js';
import { decide } from '../gate/decide.js';
import type { Readings, Verdict } from '../gate/types.js';
import type { RangeSource } from '../metrics/range-source.js';
import type { Policy, Slo } from '../policy/schema.js';
import type { Point } from './svg/path.js';

/** A span the page charts, and the step it is sampled at. */
export interface Span {
  label: string;
  seconds: number;
  stepSeconds: number;
}

/** The last 6 hours every minute, the last 3 days every 15 minutes: about 360 and 290 points a line. */
export const SPANS: readonly Span[] = [
  { label: '6 h', seconds: 6 * 3600, stepSeconds: 60 },
  { label: '3 d', seconds: 3 * 86_400, stepSeconds: 900 },
];

/** One SLO over one span: the burn rate over each rule window, and the budget left, at every step. */
export interface SloHistory {
  slo: Slo;
  /** Rule windows in the policy's order, each once; burn rates (undefined: missing data; 0: no traffic). */
  burn: Array<{ window: string; points: Point[] }>;
  /** Percent of the error budget left over the SLO period. */
  budgetLeft: Point[];
}

export interface SpanHistory {
  span: Span;
  /** Unix seconds; `end` is the last step. */
  start: number;
  end: number;
  slos: SloHistory[];
  /** When the gate would have blocked, replayed at every step as the backtest does (as if enforced, without labels). */
  timeline: Timeline;
}

export interface History {
  spans: SpanHistory[];
  /** The gate's verdict at the last step of the first span, under the policy as written (mode included, no labels). */
  verdict: Verdict;
  /** That step, in Unix seconds. */
  asOf: number;
}

/**
 * Reads each span through range queries and replays the gate at every step: the lines, the
 * shaded block periods and the verdict all come from the same readings, so they agree. Each span
 * ends at a whole step, so pages asked for within the same minute share their queries.
 */
export async function collectHistory(policy: Policy, source: RangeSource, nowMs: number, concurrency = 4): Promise<History> {
  let latest: { at: number; readings: Readings } | undefined;
  const spans = await Promise.all(
    SPANS.map(async (span, index) => {
      const end = Math.floor(nowMs / 1000 / span.stepSeconds) * span.stepSeconds;
      const start = end - span.seconds;
      const range = { start: new Date(start * 1000), end: new Date(end * 1000), stepSeconds: span.stepSeconds };
      const measured = await measureRange(policy, source, range, { concurrency });
      const enforced: Policy = { ...policy, mode: 'enforce' };
      const histories = policy.slos.map((slo) => ({ slo, burn: new Map<string, Point[]>(), budgetLeft: [] as Point[] }));
      const steps: Array<readonly [number, Verdict]> = [];
      for (const [step, [at, readings]] of enumerate(measured)) {
        // Hundreds of decisions: let webhooks and re-checks in between, so a page never holds the event loop for long.
        if (step % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((resolve) => setImmediate(resolve));
        const verdict = decide(enforced, readings, [], [], new Date(at * 1000));
        steps.push([at, verdict]);
        verdict.assessment.slos.forEach((result, i) => record(histories[i]!, at, result));
        if (index === 0) latest = { at, readings };
      }
      return {
        span,
        start,
        end,
        timeline: buildTimeline(steps, end),
        slos: histories.map(({ slo, burn, budgetLeft }) => ({ slo, budgetLeft, burn: [...burn].map(([window, points]) => ({ window, points })) })),
      };
    }),
  );
  if (!latest) throw new RangeError('the first span has no steps');
  return { spans, verdict: decide(policy, latest.readings, [], [], new Date(latest.at * 1000)), asOf: latest.at };
}

const YIELD_EVERY = 50;

function* enumerate<T>(items: Iterable<T>): Generator<readonly [number, T]> {
  let index = 0;
  for (const item of items) yield [index++, item] as const;
}

function record(history: { burn: Map<string, Point[]>; budgetLeft: Point[] }, at: number, result: Verdict['assessment']['slos'][number]): void {
  for (const rule of result.rules) {
    for (const window of [rule.long, rule.short]) {
      let points = history.burn.get(window.window);
      if (!points) history.burn.set(window.window, (points = []));
      if (points.at(-1)?.[0] !== at) points.push([at, window.burnRate]);
    }
  }
  history.budgetLeft.push([at, result.budget.left === undefined ? undefined : result.budget.left * 100]);
}

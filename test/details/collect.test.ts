import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/backtest.js';
import { collectHistory, SPANS } from '../../src/details/collect.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { FakeRangeSource } from '../backtest/fake-range-source.js';
import { POLICY } from '../support/policies.js';

const NOW = Date.UTC(2026, 11, 2, 9, 30, 40);
const END = Math.floor(NOW / 60_000) * 60; // the 6 h span ends on a whole minute
const policy = parsePolicyText(POLICY);
/** 5 % errors between 3 h and 2 h ago, nothing at all 5 h to 4 h 30 min ago, 0.05 % otherwise. */
const answer = (_query: string, at: number) =>
  at > END - 5 * 3600 && at <= END - 4.5 * 3600 ? undefined : at > END - 3 * 3600 && at <= END - 2 * 3600 ? 0.05 : 0.0005;

describe('the history a details page charts', () => {
  it('shades exactly the periods a backtest of the same span finds', async () => {
    const history = await collectHistory(policy, new FakeRangeSource(answer), NOW);
    const span = history.spans[0]!;
    expect([span.start, span.end]).toEqual([END - 6 * 3600, END]);
    const expected = await backtest({
      policy,
      source: new FakeRangeSource(answer),
      range: { start: new Date(span.start * 1000), end: new Date(span.end * 1000), stepSeconds: SPANS[0]!.stepSeconds },
    });
    expect(span.timeline.episodes).toEqual(expected.episodes);
    expect(span.timeline.episodes.map((e) => e.state)).toEqual(['error', 'failure']);
  });

  it('leaves a missing sample missing in every line, never filled in', async () => {
    const history = await collectHistory(policy, new FakeRangeSource(answer), NOW);
    const burn = history.spans[0]!.slos[0]!.burn.find((w) => w.window === '5m')!;
    const inGap = burn.points.filter(([at]) => at > END - 5 * 3600 && at <= END - 4.5 * 3600);
    expect(inGap).toHaveLength(30);
    expect(inGap.every(([, value]) => value === undefined)).toBe(true);
    expect(burn.points.find(([at]) => at === END - 2.5 * 3600)![1]).toBeCloseTo(50, 6);
  });

  it('judges now from the last step, under the policy as written', async () => {
    const history = await collectHistory(policy, new FakeRangeSource(answer), NOW);
    expect(history.asOf).toBe(END);
    expect(history.verdict.state).toBe('success');
    expect(history.spans.map((s) => s.span.label)).toEqual(['6 h', '3 d']);
  });
});

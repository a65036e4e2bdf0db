import { describe, expect, it } from 'vitest';
import type { Timeline } from '../../src/backtest/timeline.js';
import { backtestJson, formatLength, renderBacktest } from '../../src/render/backtest.js';

const at = (iso: string) => Date.parse(iso) / 1000;

function report(timeline: Timeline, stepSeconds = 60) {
  return {
    policyFile: 'slo-gate.yml',
    mode: 'enforce' as const,
    range: { start: new Date('2026-11-20T22:00:00Z'), end: new Date('2026-11-21T02:00:00Z'), stepSeconds },
    timeline,
  };
}

describe('rendering a backtest', () => {
  it.each([
    { seconds: 0, text: '0 min' },
    { seconds: 45, text: '45 s' },
    { seconds: 60, text: '1 min' },
    { seconds: 150, text: '2 min 30 s' },
    { seconds: 3900, text: '1 h 5 min' },
    { seconds: 3 * 86_400 + 4 * 3600, text: '3 d 4 h' },
    { seconds: 89.6, text: '1 min 30 s' },
  ])('writes $seconds seconds as "$text"', ({ seconds, text }) => {
    expect(formatLength(seconds)).toBe(text);
  });

  it('writes the date of an episode end again when it falls on another day, and seconds when there are any', () => {
    const timeline: Timeline = {
      episodes: [
        {
          start: at('2026-11-20T23:50:00Z'),
          end: at('2026-11-21T00:20:00Z'),
          state: 'failure',
          steps: 30,
          reasons: [
            { kind: 'burn', slo: 'a', rule: 'fast' },
            { kind: 'burn', slo: 'a', rule: 'slow' },
            { kind: 'budget-exhausted', slo: 'b' },
          ],
        },
        {
          start: at('2026-11-21T01:00:15Z'),
          end: at('2026-11-21T01:00:30Z'),
          state: 'error',
          steps: 1,
          reasons: [{ kind: 'missing-data', slo: 'a', reason: 'errorQuery returned NaN while totalQuery shows traffic' }],
        },
      ],
      totals: { steps: 961, episodes: 2, secondsBlocked: 1800, secondsInError: 15, stepsWarned: 120, lowestBudgetLeft: 0.182 },
    };
    expect(renderBacktest(report(timeline, 15))).toBe(
      [
        'Backtest of slo-gate.yml from 2026-11-20 22:00 to 2026-11-21 02:00 UTC, every 15s: 961 steps.',
        '',
        '2026-11-20 23:50 → 2026-11-21 00:20 UTC  30 min  blocked: a fast, slow; b budget',
        '2026-11-21 01:00:15 → 01:00:30 UTC       15 s    error: a missing data: errorQuery returned NaN while totalQuery shows traffic',
        '',
        '2 episodes: blocked 30 min (12.5%), error 15 s (0.1%) of 4 h.',
        'Lowest error budget left: 18%; 120 steps passed with a low-budget warning.',
      ].join('\n'),
    );
    expect(backtestJson(report(timeline, 15)).totals).toEqual({
      steps: 961,
      episodes: 2,
      hoursBlocked: 0.5,
      hoursInError: 0.004,
      stepsWarned: 120,
      lowestBudgetLeftPercent: 18.2,
      hoursByTier: { ok: 0, low: 0, restricted: 0, frozen: 0, exhausted: 0 },
    });
  });

  it('says how long the budget spent in each tier once it left the ok tier, and names restricted and frozen budgets', () => {
    const timeline: Timeline = {
      episodes: [
        { start: at('2026-11-21T00:00:00Z'), end: at('2026-11-21T01:00:00Z'), state: 'failure', steps: 60, reasons: [{ kind: 'budget-restricted', slo: 'a' }] },
        { start: at('2026-11-21T01:00:00Z'), end: at('2026-11-21T02:00:00Z'), state: 'failure', steps: 60, reasons: [{ kind: 'budget-frozen', slo: 'a' }] },
      ],
      totals: {
        steps: 241,
        episodes: 2,
        secondsBlocked: 7200,
        secondsInError: 0,
        stepsWarned: 0,
        lowestBudgetLeft: 0.04,
        secondsByTier: { ok: 5400, low: 1800, restricted: 3600, frozen: 3600, exhausted: 0 },
      },
    };
    const lines = renderBacktest(report(timeline)).split('\n');
    expect(lines.slice(2, 4)).toEqual([
      '2026-11-21 00:00 → 01:00 UTC  1 h  blocked: a budget restricted',
      '2026-11-21 01:00 → 02:00 UTC  1 h  blocked: a budget frozen',
    ]);
    expect(lines.at(-1)).toBe('Time in each budget tier: ok 1 h 30 min (37.5%), warning 30 min (12.5%), restricted 1 h (25%), frozen 1 h (25%).');
    expect(backtestJson(report(timeline)).totals.hoursByTier).toEqual({ ok: 1.5, low: 0.5, restricted: 1, frozen: 1, exhausted: 0 });
  });
});

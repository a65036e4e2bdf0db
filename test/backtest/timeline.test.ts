import { describe, expect, it } from 'vitest';
import { buildTimeline, type Episode } from '../../src/backtest/timeline.js';
import { decide } from '../../src/gate/decide.js';
import type { Verdict } from '../../src/gate/types.js';
import { allWindows, policyWith, readingsOf, slo, type WindowValue } from '../support/readings.js';

const policy = policyWith({ slos: [slo('checkout'), slo('search')] });
const healthy = allWindows(0.0005);
const DOWN = 'errorQuery cannot reach http://prometheus:9090 (ECONNREFUSED)';

/** What each SLO measures at one step: P passes, F fires the fast rule, S the slow one, B spends the budget, M has no data. */
const STATES: Record<string, Record<string, WindowValue>> = {
  P: healthy,
  F: { ...healthy, '1h': 0.02, '5m': 0.02 },
  S: { ...healthy, '6h': 0.008, '30m': 0.008 },
  FS: { ...healthy, '1h': 0.02, '5m': 0.02, '6h': 0.008, '30m': 0.008 },
  B: allWindows(0.0011),
  M: Object.fromEntries(Object.keys(healthy).map((w) => [w, DOWN])),
  M2: { ...healthy, '30d': 'errorQuery has no sample at this step' },
  W: { ...healthy, '30d': 0.0008 },
};

const STEP = 300;

/**
 * One step per letter group, every 5 minutes from 0: `F P` is checkout firing fast, then passing.
 * `F/B` gives checkout F and search B at the same step.
 */
function steps(pattern: string, forPolicy = policy): Array<[number, Verdict]> {
  return pattern.split(' ').map((token, index) => {
    const [checkout, search = 'P'] = token.split('/');
    return [index * STEP, decide(forPolicy, readingsOf({ checkout: STATES[checkout!]!, search: STATES[search]! }))];
  });
}

/** An episode the way a person would list it: `0-600 failure: checkout fast`. */
function summary(e: Episode): string {
  const reasons = e.reasons.map(
    (r) => `${r.slo} ${r.kind === 'burn' ? r.rule : r.kind === 'budget-exhausted' ? 'budget' : r.kind === 'missing-data' ? 'missing data' : r.kind}`,
  );
  return `${e.start}-${e.end} ${e.state}: ${reasons.join(', ')}`;
}

describe('buildTimeline: block episodes', () => {
  it.each<{ name: string; pattern: string; end?: number; episodes: string[] }>([
    { name: 'finds no episode while every step passes', pattern: 'P P P', episodes: [] },
    { name: 'starts an episode at the first step when the gate blocks from the start', pattern: 'F F P P', episodes: ['0-600 failure: checkout fast'] },
    { name: 'ends an episode at the first step that passes again', pattern: 'P F F F P', episodes: ['300-1200 failure: checkout fast'] },
    {
      name: 'keeps an episode still blocking at the last step open until the range end',
      pattern: 'P P F',
      end: 750,
      episodes: ['600-750 failure: checkout fast'],
    },
    { name: 'records a block at the last step of a range ending on that step, with no length', pattern: 'P P F', episodes: ['600-600 failure: checkout fast'] },
    { name: 'records a one-step episode lasting one step', pattern: 'P F P', episodes: ['300-600 failure: checkout fast'] },
    {
      name: 'splits adjacent episodes when what blocks changes',
      pattern: 'F F S S P',
      episodes: ['0-600 failure: checkout fast', '600-1200 failure: checkout slow'],
    },
    {
      name: 'splits when a second rule starts firing on top of the first',
      pattern: 'F FS F',
      episodes: ['0-300 failure: checkout fast', '300-600 failure: checkout fast, checkout slow', '600-600 failure: checkout fast'],
    },
    {
      name: 'starts a new episode when the same rule fires again after a pass',
      pattern: 'F P F P',
      episodes: ['0-300 failure: checkout fast', '600-900 failure: checkout fast'],
    },
    {
      name: 'separates missing data (error) from a firing rule (failure)',
      pattern: 'M M F P',
      episodes: ['0-600 error: checkout missing data', '600-900 failure: checkout fast'],
    },
    { name: 'names the spent budget as `budget`', pattern: 'P B B', end: 900, episodes: ['300-900 failure: checkout budget'] },
    {
      name: 'lists what blocked per SLO in the verdict order: rules first, then budgets',
      pattern: 'B/F B/F P',
      episodes: ['0-600 failure: search fast, checkout budget'],
    },
    { name: 'lets a firing rule outrank missing data on another SLO: the step is a failure', pattern: 'F/M P', episodes: ['0-300 failure: checkout fast'] },
    { name: 'keeps one error episode while the missing windows change', pattern: 'M M2 M P', episodes: ['0-900 error: checkout missing data'] },
  ])('$name', ({ pattern, end, episodes }) => {
    const given = steps(pattern);
    const timeline = buildTimeline(given, end ?? given.at(-1)![0]);
    expect(timeline.episodes.map(summary)).toEqual(episodes);
    expect(timeline.totals.steps).toBe(given.length);
    expect(timeline.totals.episodes).toBe(episodes.length);
  });

  it('adds up the time blocked and the time in error separately', () => {
    const timeline = buildTimeline(steps('M M F F F P M'), 2100);
    expect(timeline.totals).toMatchObject({ steps: 7, episodes: 3, secondsBlocked: 900, secondsInError: 600 + 300 });
  });

  it('counts steps that passed with a low-budget warning, and the lowest budget left, though they are no episodes', () => {
    const timeline = buildTimeline(steps('P W W P'), 900);
    expect(timeline.episodes).toEqual([]);
    expect(timeline.totals.stepsWarned).toBe(2);
    expect(timeline.totals.lowestBudgetLeft).toBeCloseTo(0.2, 9);
  });

  it('says why data was missing, as of the first step of the episode', () => {
    const timeline = buildTimeline(steps('M M2 P'), 600);
    expect(timeline.episodes[0]!.reasons).toEqual([{ kind: 'missing-data', slo: 'checkout', reason: DOWN }]);
  });

  it('reports the time in each budget tier, each step counting until the next, and names restricted and frozen budgets', () => {
    const tiered = policyWith({
      slos: [slo('checkout'), slo('search')],
      budget: { warnBelow: 25, restrictBelow: 25, allowLabels: ['critical-fix'], freezeBelow: 5 },
    });
    const budgets: Record<string, Record<string, WindowValue>> = {
      P: healthy,
      R: { ...healthy, '30d': 0.0008 },
      Z: { ...healthy, '30d': 0.00097 },
      M: STATES.M!,
    };
    const given = 'P R R Z M P'
      .split(' ')
      .map((letter, index) => [index * STEP, decide(tiered, readingsOf({ checkout: budgets[letter]!, search: healthy }))] as const);
    const timeline = buildTimeline(given, 1800);
    expect(timeline.episodes.map(summary)).toEqual([
      '300-900 failure: checkout budget-restricted',
      '900-1200 failure: checkout budget-frozen',
      '1200-1500 error: checkout missing data',
    ]);
    // The lowest tier of the SLOs with a reading: at M, checkout has none and search is ok; the last step counts until the end.
    expect(timeline.totals.secondsByTier).toEqual({ ok: 900, low: 0, restricted: 600, frozen: 300, exhausted: 0 });
  });

  it('does not block on missing data when the policy allows it', () => {
    const allow = policyWith({ slos: [slo('checkout'), slo('search')], onMissingData: 'allow' });
    expect(buildTimeline(steps('M M P', allow), 600).episodes).toEqual([]);
  });

  it('reports nothing for an empty range', () => {
    expect(buildTimeline([], 0)).toEqual({
      episodes: [],
      totals: {
        steps: 0,
        episodes: 0,
        secondsBlocked: 0,
        secondsInError: 0,
        stepsWarned: 0,
        lowestBudgetLeft: undefined,
        secondsByTier: { ok: 0, low: 0, restricted: 0, frozen: 0, exhausted: 0 },
      },
    });
  });

  it.each([
    { name: 'refuses steps out of order', at: [300, 0], end: 600 },
    { name: 'refuses a step after the range end', at: [0, 300], end: 200 },
  ])('$name', ({ at, end }) => {
    const verdict = steps('P')[0]![1];
    expect(() =>
      buildTimeline(
        at.map((t) => [t, verdict] as const),
        end,
      ),
    ).toThrow(RangeError);
  });
});

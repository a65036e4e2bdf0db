import { describe, expect, it } from 'vitest';
import { assess } from '../../src/gate/assess.js';
import { decide } from '../../src/gate/decide.js';
import type { Readings, WindowReading } from '../../src/gate/types.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';
import { slo } from '../support/readings.js';

/** The gating defaults (acute 5m/1m > 14.4, fast 15m/5m > 3.6, slow 1h/15m > 1.5, at least 20 failed requests). */
const GATING = validatePolicy({ slos: [slo('checkout')] });
const RAW = validatePolicy({ slos: [{ name: 'checkout', objective: 99.9, sli: { raw: { errorRatioQuery: 'ratio[{{.window}}]' } } }] });
const WORKBOOK_LISTED = validatePolicy({
  slos: [slo('checkout')],
  burnRate: {
    rules: [
      { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
      { name: 'slow', long: '6h', short: '30m', factor: 6 },
    ],
  },
});

/** A window that read `ratio`, holding `failed` failed requests (undefined: a raw ratio, no count). */
const read = (ratio: number, failed?: number): WindowReading => (failed === undefined ? { ok: true, ratio } : { ok: true, ratio, failed });
const QUIET: Record<string, WindowReading> = { '5m': read(0, 0), '1m': read(0, 0), '15m': read(0, 0), '1h': read(0, 0), '30d': read(0, 0) };

function readings(windows: Record<string, WindowReading>): Readings {
  return new Map([['checkout', new Map(Object.entries({ ...QUIET, ...windows }))]]);
}

/** What the acute rule (5m/1m) did. */
function acute(policy = GATING, windows: Record<string, WindowReading> = {}) {
  const rule = assess(policy, readings(windows)).slos[0]!.rules.find((r) => r.rule.name === 'acute')!;
  return { state: rule.state, heldBack: rule.heldBack };
}

describe('the significance guard: a rule fires only when its long window holds enough failed requests', () => {
  it.each<{ name: string; windows: Record<string, WindowReading>; state: string; heldBack?: object }>([
    {
      name: 'holds back the acute rule at 19 failed requests in 5 min, however high the burn',
      windows: { '5m': read(0.5, 19), '1m': read(0.5, 4) },
      state: 'quiet',
      heldBack: { failed: 19, minErrors: 20 },
    },
    { name: 'lets it fire at exactly 20 failed requests (at least 20)', windows: { '5m': read(0.5, 20), '1m': read(0.5, 4) }, state: 'fires' },
    {
      name: 'holds back one failed request at low traffic: 1 of 60 requests in 5 min is burn 16.7, not a burn',
      windows: { '5m': read(1 / 60, 1), '1m': read(1 / 12, 1) },
      state: 'quiet',
      heldBack: { failed: 1, minErrors: 20 },
    },
    {
      name: 'settles the rule when the long window is held back, even if the short window is missing',
      windows: { '5m': read(0.5, 3), '1m': { ok: false, reason: 'errorQuery timed out' } },
      state: 'quiet',
      heldBack: { failed: 3, minErrors: 20 },
    },
    {
      name: 'leaves the rule undecided when the long window is missing: the guard needs its count',
      windows: { '5m': { ok: false, reason: 'errorQuery timed out' }, '1m': read(0.5, 30) },
      state: 'unknown',
    },
    {
      name: 'does not mark a rule under its factor as held back: the burn settled it',
      windows: { '5m': read(0.001, 1), '1m': read(0.001, 1) },
      state: 'quiet',
    },
    {
      name: 'fires on the ratio alone when the reading carries no count (fails closed)',
      windows: { '5m': read(0.5), '1m': read(0.5) },
      state: 'fires',
    },
  ])('$name', ({ windows, state, heldBack }) => {
    expect(acute(GATING, windows)).toEqual({ state, heldBack });
  });

  it('reports the guard as on for an events SLI, and as having no counts for a raw one, whose rules fire on the ratio alone', () => {
    expect(assess(GATING, readings({})).slos[0]!.guard).toBe('on');
    expect(assess(RAW, readings({})).slos[0]!.guard).toBe('no counts');
    const burning = { '5m': read(0.5), '1m': read(0.5) };
    expect(decide(RAW, readings(burning)).state).toBe('failure');
  });

  it('is off at minErrors: 0, and the acute rule fires on a single failed request again', () => {
    const off = validatePolicy({ slos: [slo('checkout')], burnRate: { minErrors: 0 } });
    expect(assess(off, readings({})).slos[0]!.guard).toBe('off');
    expect(acute(off, { '5m': read(1 / 60, 1), '1m': read(1 / 12, 1) })).toEqual({ state: 'fires', heldBack: undefined });
  });
});

describe('a policy that lists its own rules keeps them exactly, and the verdicts it got before presets', () => {
  const workbook = (windows: Record<string, number>, failed: number) =>
    new Map([['checkout', new Map(Object.entries(windows).map(([w, ratio]) => [w, read(ratio, failed)] as const))]]) as Readings;
  const QUIET_WORKBOOK = { '1h': 0, '5m': 0, '6h': 0, '30m': 0, '30d': 0 };

  it('keeps the rules as listed, with no guard', () => {
    expect(WORKBOOK_LISTED.burnRate).toEqual({ preset: 'custom', rules: WORKBOOK_LISTED.burnRate.rules, minErrors: 0 });
    expect(WORKBOOK_LISTED.burnRate.rules.map((r) => `${r.name} ${r.long}/${r.short} ${r.factor}`)).toEqual(['fast 1h/5m 14.4', 'slow 6h/30m 6']);
  });

  it.each<{ name: string; windows: Record<string, number>; state: string; rules: string[] }>([
    { name: 'blocks while the 1h and 5m burn rates exceed 14.4', windows: { '1h': 0.015, '5m': 0.02 }, state: 'failure', rules: ['fast'] },
    { name: 'passes at exactly 14.4 on both windows', windows: { '1h': 0.0144, '5m': 0.0144 }, state: 'success', rules: [] },
    { name: 'blocks while the 6h and 30m burn rates exceed 6', windows: { '6h': 0.007, '30m': 0.008 }, state: 'failure', rules: ['slow'] },
    { name: 'passes a short spike the 1h window does not confirm', windows: { '1h': 0.001, '5m': 0.05 }, state: 'success', rules: [] },
  ])('$name, even with a single failed request in each window (no guard)', ({ windows, state, rules }) => {
    const verdict = decide(WORKBOOK_LISTED, workbook({ ...QUIET_WORKBOOK, ...windows }, 1));
    const preset = decide(validatePolicy({ slos: [slo('checkout')], burnRate: { preset: 'workbook-paging' } }), workbook({ ...QUIET_WORKBOOK, ...windows }, 1));
    expect(verdict.state).toBe(state);
    expect(verdict.assessment.reasons.flatMap((r) => (r.kind === 'burn' ? [r.rule] : []))).toEqual(rules);
    expect(preset.state).toBe(state);
  });
});

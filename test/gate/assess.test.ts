import { describe, expect, it } from 'vitest';
import { assess } from '../../src/gate/assess.js';
import type { Assessment, SloState } from '../../src/gate/types.js';
import { allWindows, policyWith, QUIET, readingsOf, slo, type WindowValue } from '../support/readings.js';

const NO_SERIES = 'errorQuery returned no series';

/** The rules that fired, as `slo/rule`, in reason order. */
function fired(assessment: Assessment): string[] {
  return assessment.reasons.flatMap((r) => (r.kind === 'burn' ? [`${r.slo}/${r.rule}`] : []));
}

function kinds(assessment: Assessment): string[] {
  return assessment.reasons.map((r) => r.kind);
}

/** Missing data as `slo/window`. */
function missing(assessment: Assessment): string[] {
  return assessment.missing.map((m) => `${m.slo}/${m.window}`);
}

function assessCheckout(windows: Record<string, WindowValue>, fields: Record<string, unknown> = {}): Assessment {
  return assess(policyWith(fields), readingsOf({ checkout: windows }));
}

describe('burn-rate rules (objective 99.9%, default rules fast 1h/5m > 14.4 and slow 6h/30m > 6)', () => {
  it.each<{ name: string; windows: Record<string, WindowValue>; state: SloState; fired: string[] }>([
    { name: 'passes a healthy service with no errors in any window', windows: {}, state: 'pass', fired: [] },
    {
      name: 'passes while the 1h and 5m burn rates are exactly 14.4 (ratio 0.0144), because a rule fires only above its factor',
      windows: { '1h': 0.0144, '5m': 0.0144 },
      state: 'pass',
      fired: [],
    },
    { name: 'blocks a PR while the 1h and 5m burn rates both exceed 14.4', windows: { '1h': 0.015, '5m': 0.02 }, state: 'block', fired: ['checkout/fast'] },
    { name: 'passes when the 1h burn rate exceeds 14.4 but the 5m one has recovered below it', windows: { '1h': 0.02, '5m': 0.001 }, state: 'pass', fired: [] },
    { name: 'passes when only the 5m burn rate exceeds 14.4 (a short spike)', windows: { '1h': 0.001, '5m': 0.05 }, state: 'pass', fired: [] },
    { name: 'passes when the 1h window is over 14.4 and the 5m window is exactly at it', windows: { '1h': 0.02, '5m': 0.0144 }, state: 'pass', fired: [] },
    { name: 'passes while the 6h and 30m burn rates are exactly 6 (ratio 0.006)', windows: { '6h': 0.006, '30m': 0.006 }, state: 'pass', fired: [] },
    { name: 'blocks a PR while the 6h and 30m burn rates both exceed 6', windows: { '6h': 0.007, '30m': 0.008 }, state: 'block', fired: ['checkout/slow'] },
    { name: 'passes when the 6h burn rate exceeds 6 but the 30m one is under it', windows: { '6h': 0.01, '30m': 0.005 }, state: 'pass', fired: [] },
    {
      name: 'reports both rules, fast first, when every window burns fast',
      windows: allWindows(0.02),
      state: 'block',
      fired: ['checkout/fast', 'checkout/slow'],
    },
  ])('$name', ({ windows, state, fired: rules }) => {
    const assessment = assessCheckout({ ...QUIET, ...windows, '30d': 0 });
    expect(assessment.state).toBe(state);
    expect(fired(assessment)).toEqual(rules);
  });

  it.each([
    { name: 'does not fire at exactly 14.4 with a 99% objective (ratio 0.144)', objective: 99, ratio: 0.144 },
    { name: 'does not fire at exactly 14.4 with a 99.99% objective (ratio 0.00144)', objective: 99.99, ratio: 0.00144 },
    { name: 'does not fire at exactly 14.4 with a 99.5% objective (ratio 0.072)', objective: 99.5, ratio: 0.072 },
  ])('$name', ({ objective, ratio }) => {
    const policy = policyWith({ slos: [slo('checkout', objective)] });
    const assessment = assess(policy, readingsOf({ checkout: { ...QUIET, '1h': ratio, '5m': ratio } }));
    expect(fired(assessment)).toEqual([]);
    expect(assessment.state).toBe('pass');
  });

  it('gives the burn rates, the factor and the windows behind a fired rule', () => {
    const assessment = assessCheckout({ ...QUIET, '1h': 0.015, '5m': 0.02 });
    expect(assessment.reasons).toEqual([
      {
        kind: 'burn',
        slo: 'checkout',
        rule: 'fast',
        factor: 14.4,
        long: { window: '1h', burnRate: expect.closeTo(15, 9) },
        short: { window: '5m', burnRate: expect.closeTo(20, 9) },
      },
    ]);
    expect(assessment.highestBurn).toBeCloseTo(20, 9);
  });

  it.each<{ name: string; windows: Record<string, WindowValue>; state: SloState; fired: string[] }>([
    {
      name: 'blocks when a custom rule (2h/10m > 10) sees both windows above 10',
      windows: { '2h': 0.011, '10m': 0.012 },
      state: 'block',
      fired: ['checkout/page'],
    },
    { name: 'passes when a custom rule (2h/10m > 10) sees both windows exactly at 10', windows: { '2h': 0.01, '10m': 0.01 }, state: 'pass', fired: [] },
    {
      name: 'ignores the default windows once custom rules replace the defaults',
      windows: { '1h': 0.5, '5m': 0.5, '2h': 0, '10m': 0 },
      state: 'pass',
      fired: [],
    },
  ])('$name', ({ windows, state, fired: rules }) => {
    const custom = { burnRate: { rules: [{ name: 'page', long: '2h', short: '10m', factor: 10 }] } };
    const assessment = assessCheckout({ '30d': 0, ...windows }, custom);
    expect(assessment.state).toBe(state);
    expect(fired(assessment)).toEqual(rules);
    expect(assessment.missing).toEqual([]);
  });
});

describe('error budget left (objective 99.9%, 30d period)', () => {
  it.each<{ name: string; ratio: number; budget?: Record<string, number>; state: SloState; kinds: string[]; leftPercent: number }>([
    { name: 'passes with the whole budget left', ratio: 0, state: 'pass', kinds: [], leftPercent: 100 },
    { name: 'passes with exactly 25% left, because it warns only below warnBelow', ratio: 0.00075, state: 'pass', kinds: [], leftPercent: 25 },
    { name: 'warns with 24% left, just below warnBelow 25', ratio: 0.00076, state: 'warn', kinds: ['budget-low'], leftPercent: 24 },
    { name: 'warns but does not block with 0.1% left, just above blockBelow 0', ratio: 0.000999, state: 'warn', kinds: ['budget-low'], leftPercent: 0.1 },
    { name: 'blocks with exactly 0% left, because it blocks at blockBelow', ratio: 0.001, state: 'block', kinds: ['budget-exhausted'], leftPercent: 0 },
    { name: 'blocks with the budget overspent to -100%', ratio: 0.002, state: 'block', kinds: ['budget-exhausted'], leftPercent: -100 },
    {
      name: 'blocks with exactly 10% left when blockBelow is 10',
      ratio: 0.0009,
      budget: { warnBelow: 50, blockBelow: 10 },
      state: 'block',
      kinds: ['budget-exhausted'],
      leftPercent: 10,
    },
    {
      name: 'warns with 10.1% left when blockBelow is 10 and warnBelow 50',
      ratio: 0.000899,
      budget: { warnBelow: 50, blockBelow: 10 },
      state: 'warn',
      kinds: ['budget-low'],
      leftPercent: 10.1,
    },
    {
      name: 'passes with exactly 50% left when warnBelow is 50',
      ratio: 0.0005,
      budget: { warnBelow: 50, blockBelow: 10 },
      state: 'pass',
      kinds: [],
      leftPercent: 50,
    },
    {
      name: 'blocks at -50% left when blockBelow is -50 (overspending allowed down to it)',
      ratio: 0.0015,
      budget: { warnBelow: 0, blockBelow: -50 },
      state: 'block',
      kinds: ['budget-exhausted'],
      leftPercent: -50,
    },
    {
      name: 'warns at -49% left when blockBelow is -50 and warnBelow 0',
      ratio: 0.00149,
      budget: { warnBelow: 0, blockBelow: -50 },
      state: 'warn',
      kinds: ['budget-low'],
      leftPercent: -49,
    },
  ])('$name', ({ ratio, budget, state, kinds: expected, leftPercent }) => {
    const assessment = assessCheckout({ ...QUIET, '30d': ratio }, budget ? { budget } : {});
    expect(assessment.state).toBe(state);
    expect(kinds(assessment)).toEqual(expected);
    expect(assessment.lowestBudgetLeft! * 100).toBeCloseTo(leftPercent, 6);
    for (const reason of assessment.reasons) {
      if (reason.kind === 'budget-low' || reason.kind === 'budget-exhausted') expect(reason.leftPercent).toBeCloseTo(leftPercent, 6);
    }
  });

  it('names the threshold it crossed in the reason', () => {
    const low = assessCheckout({ ...QUIET, '30d': 0.0009 });
    expect(low.reasons).toEqual([{ kind: 'budget-low', slo: 'checkout', leftPercent: expect.closeTo(10, 6), warnBelow: 25 }]);
    const spent = assessCheckout({ ...QUIET, '30d': 0.0012 });
    expect(spent.reasons).toEqual([{ kind: 'budget-exhausted', slo: 'checkout', leftPercent: expect.closeTo(-20, 6), blockBelow: 0 }]);
  });
});

describe('no traffic (an error ratio of NaN)', () => {
  it.each<{ name: string; windows: Record<string, WindowValue>; state: SloState; fired: string[] }>([
    { name: 'passes a service with no traffic in any window', windows: allWindows(NaN), state: 'pass', fired: [] },
    {
      name: 'passes when the 5m window has no traffic even though the 1h window burns fast',
      windows: { ...QUIET, '1h': 0.05, '5m': NaN },
      state: 'pass',
      fired: [],
    },
    {
      name: 'passes when the 1h window has no traffic even though the 5m window burns fast',
      windows: { ...QUIET, '1h': NaN, '5m': 0.05 },
      state: 'pass',
      fired: [],
    },
    { name: 'passes with no traffic in the 30d period, counting the budget as untouched', windows: { ...QUIET, '30d': NaN }, state: 'pass', fired: [] },
    {
      name: 'still blocks on a burning rule when the 30d period has no traffic',
      windows: { ...QUIET, '1h': 0.02, '5m': 0.02, '30d': NaN },
      state: 'block',
      fired: ['checkout/fast'],
    },
    { name: 'passes when one window has no traffic and the other is missing', windows: { ...QUIET, '1h': NaN, '5m': NO_SERIES }, state: 'pass', fired: [] },
  ])('$name', ({ windows, state, fired: rules }) => {
    const assessment = assessCheckout(windows);
    expect(assessment.state).toBe(state);
    expect(fired(assessment)).toEqual(rules);
    expect(assessment.missing).toEqual([]);
  });

  it('notes no traffic on the windows and the budget, and counts it as a burn rate of 0', () => {
    const [result] = assessCheckout(allWindows(NaN)).slos;
    expect(result?.budget).toMatchObject({ noTraffic: true, left: 1, state: 'ok' });
    expect(result?.rules.map((r) => [r.long, r.short])).toEqual([
      [
        { window: '1h', burnRate: 0, noTraffic: true, missing: undefined },
        { window: '5m', burnRate: 0, noTraffic: true, missing: undefined },
      ],
      [
        { window: '6h', burnRate: 0, noTraffic: true, missing: undefined },
        { window: '30m', burnRate: 0, noTraffic: true, missing: undefined },
      ],
    ]);
  });
});

describe('missing data', () => {
  it.each<{ name: string; windows: Record<string, WindowValue | undefined>; state: SloState; missing: string[]; reason?: RegExp }>([
    {
      name: 'passes when the 5m series is missing but the 1h window is under 14.4, which settles the rule',
      windows: { ...QUIET, '5m': NO_SERIES, '1h': 0.001 },
      state: 'pass',
      missing: [],
    },
    {
      name: 'passes when the 1h window was not measured but the 5m window is exactly at 14.4',
      windows: { ...QUIET, '1h': undefined, '5m': 0.0144 },
      state: 'pass',
      missing: [],
    },
    {
      name: 'is missing when the 5m series is missing and the 1h window burns above 14.4',
      windows: { ...QUIET, '1h': 0.02, '5m': NO_SERIES },
      state: 'missing',
      missing: ['checkout/5m'],
      reason: /^errorQuery returned no series$/,
    },
    {
      name: 'is missing when the 1h window was not measured and the 5m window burns above 14.4',
      windows: { ...QUIET, '1h': undefined, '5m': 0.02 },
      state: 'missing',
      missing: ['checkout/1h'],
      reason: /not measured/,
    },
    {
      name: 'is missing when both windows of the fast rule are missing',
      windows: { ...QUIET, '1h': NO_SERIES, '5m': NO_SERIES },
      state: 'missing',
      missing: ['checkout/1h', 'checkout/5m'],
    },
    {
      name: 'is missing when the 30d series is missing, because the budget is unknown',
      windows: { ...QUIET, '30d': 'totalQuery timed out after 10s' },
      state: 'missing',
      missing: ['checkout/30d'],
      reason: /timed out/,
    },
    {
      name: 'is missing when the 30d window was not measured at all',
      windows: { ...QUIET, '30d': undefined },
      state: 'missing',
      missing: ['checkout/30d'],
      reason: /not measured/,
    },
    {
      name: 'treats a negative error ratio as missing data, not as a healthy window',
      windows: { ...QUIET, '1h': 0.02, '5m': -0.01 },
      state: 'missing',
      missing: ['checkout/5m'],
      reason: /-0\.01 is not a ratio/,
    },
    {
      name: 'treats an infinite error ratio as missing data, not as a fast burn',
      windows: { ...QUIET, '1h': Infinity, '5m': 0.02 },
      state: 'missing',
      missing: ['checkout/1h'],
      reason: /infinite/,
    },
    {
      name: 'treats -Infinity as missing data',
      windows: { ...QUIET, '1h': 0.02, '5m': -Infinity },
      state: 'missing',
      missing: ['checkout/5m'],
      reason: /not a ratio/,
    },
    {
      name: 'passes when the 1h ratio is infinite but the 5m window is under 14.4',
      windows: { ...QUIET, '1h': Infinity, '5m': 0 },
      state: 'pass',
      missing: [],
    },
    {
      name: 'treats an infinite 30d ratio as an unknown budget',
      windows: { ...QUIET, '30d': Infinity },
      state: 'missing',
      missing: ['checkout/30d'],
      reason: /infinite/,
    },
    {
      name: 'still blocks on a burning rule when the 30d budget is missing, because a known block outranks missing data',
      windows: { ...QUIET, '1h': 0.02, '5m': 0.02, '30d': NO_SERIES },
      state: 'block',
      missing: ['checkout/30d'],
    },
    {
      name: 'still blocks on an exhausted budget when a rule is undecided',
      windows: { ...QUIET, '1h': 0.02, '5m': NO_SERIES, '30d': 0.002 },
      state: 'block',
      missing: ['checkout/5m'],
    },
    {
      name: 'lists only the missing window that left a rule undecided, not one a settled rule did without',
      windows: { ...QUIET, '5m': NO_SERIES, '6h': 0.01, '30m': NO_SERIES },
      state: 'missing',
      missing: ['checkout/30m'],
    },
  ])('$name', ({ windows, state, missing: expected, reason }) => {
    const defined = Object.fromEntries(Object.entries(windows).filter(([, v]) => v !== undefined)) as Record<string, WindowValue>;
    const assessment = assessCheckout(defined);
    expect(assessment.state).toBe(state);
    expect(missing(assessment)).toEqual(expected);
    expect(assessment.reasons.filter((r) => r.kind === 'missing-data').map((r) => `${r.slo}/${r.window}`)).toEqual(expected);
    if (reason) expect(assessment.missing[0]?.reason).toMatch(reason);
  });

  it('is missing every window when an SLO has no readings at all', () => {
    const assessment = assess(policyWith(), new Map());
    expect(assessment.state).toBe('missing');
    expect(missing(assessment)).toEqual(['checkout/1h', 'checkout/5m', 'checkout/6h', 'checkout/30m', 'checkout/30d']);
    expect(assessment.lowestBudgetLeft).toBeUndefined();
    expect(assessment.highestBurn).toBeUndefined();
  });

  it('lists a window once when two undecided rules share it', () => {
    const rules = [
      { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
      { name: 'medium', long: '1h', short: '10m', factor: 10 },
    ];
    const assessment = assessCheckout({ '5m': 0.02, '10m': 0.02, '30d': 0 }, { burnRate: { rules } });
    expect(assessment.state).toBe('missing');
    expect(missing(assessment)).toEqual(['checkout/1h']);
  });
});

describe('several SLOs', () => {
  const policy = policyWith({ slos: [slo('checkout'), slo('search'), slo('login')] });

  it.each<{ name: string; checkout: Record<string, WindowValue>; search: Record<string, WindowValue>; state: SloState; kinds: string[] }>([
    {
      name: 'blocks when one SLO blocks and another has missing data',
      checkout: { ...QUIET, '1h': 0.02, '5m': 0.02 },
      search: { ...QUIET, '30d': NO_SERIES },
      state: 'block',
      kinds: ['burn', 'missing-data'],
    },
    {
      name: 'is missing when one SLO warns and another has missing data',
      checkout: { ...QUIET, '30d': 0.0009 },
      search: { ...QUIET, '30d': NO_SERIES },
      state: 'missing',
      kinds: ['missing-data', 'budget-low'],
    },
    { name: 'warns when one SLO warns and the others pass', checkout: QUIET, search: { ...QUIET, '30d': 0.0009 }, state: 'warn', kinds: ['budget-low'] },
    { name: 'passes when every SLO passes', checkout: QUIET, search: QUIET, state: 'pass', kinds: [] },
  ])('$name', ({ checkout, search, state, kinds: expected }) => {
    const assessment = assess(policy, readingsOf({ checkout, search, login: QUIET }));
    expect(assessment.state).toBe(state);
    expect(kinds(assessment)).toEqual(expected);
  });

  it('sorts reasons burn, budget-exhausted, missing-data, budget-low across SLOs', () => {
    const four = policyWith({ slos: [slo('low'), slo('gone'), slo('spent'), slo('burning')] });
    const assessment = assess(
      four,
      readingsOf({
        low: { ...QUIET, '30d': 0.0009 },
        gone: { ...QUIET, '30d': NO_SERIES },
        spent: { ...QUIET, '30d': 0.0011 },
        burning: { ...QUIET, '1h': 0.02, '5m': 0.02 },
      }),
    );
    expect(assessment.reasons.map((r) => `${r.kind} ${r.slo}`)).toEqual(['burn burning', 'budget-exhausted spent', 'missing-data gone', 'budget-low low']);
    expect(assessment.slos.map((s) => s.state)).toEqual(['warn', 'missing', 'block', 'block']);
    expect(assessment.lowestBudgetLeft).toBeCloseTo(-0.1, 9);
  });

  it('judges each SLO against its own objective', () => {
    const mixed = policyWith({ slos: [slo('strict', 99.9), slo('loose', 99)] });
    const windows = { ...QUIET, '1h': 0.02, '5m': 0.02 };
    const assessment = assess(mixed, readingsOf({ strict: windows, loose: windows }));
    expect(fired(assessment)).toEqual(['strict/fast']);
  });
});

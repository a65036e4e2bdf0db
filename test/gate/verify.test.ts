import { describe, expect, it } from 'vitest';
import { assess } from '../../src/gate/assess.js';
import type { WindowReading } from '../../src/gate/types.js';
import { budgetSpent, MIN_FAILED, MIN_REQUESTS, verify, type DeployReading } from '../../src/gate/verify.js';
import { allWindows, policyWith, QUIET, readingsOf, slo } from '../support/readings.js';

const MINUTE = 60_000;
/** The SRE Workbook's two rules, written out: the tests read their windows, whatever the default becomes. */
const BURN_RATE = {
  rules: [
    { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
    { name: 'slow', long: '6h', short: '30m', factor: 6 },
  ],
};
const policy = policyWith({ burnRate: BURN_RATE });
const quiet = assess(policy, readingsOf({ checkout: QUIET }));
/** Burn 20 on every window: the fast and slow rules fire. */
const burning = assess(policy, readingsOf({ checkout: allWindows(0.02) }));

/** A burn rate as an error ratio of the 99.9% objective: 5× is 0.005. */
const burn = (b: number): WindowReading => ({ ok: true, ratio: b * 0.001 });
const failed = (reason: string): WindowReading => ({ ok: false, reason });

function check(reading: Partial<DeployReading>, options: { regressionFactor?: number; firing?: boolean; elapsedMs?: number } = {}) {
  const full: DeployReading = { after: burn(0.5), before: burn(0.5), requests: 100_000, ...reading };
  return verify(policy, new Map([['checkout', full]]), options.firing ? burning : quiet, {
    elapsedMs: options.elapsedMs ?? 15 * MINUTE,
    regressionFactor: options.regressionFactor ?? 5,
  });
}

type Row = [story: string, reading: Partial<DeployReading>, options: { regressionFactor?: number; firing?: boolean }, state: string, triggers: string[]];

const TABLE: Row[] = [
  ['is clean while the burn since the deploy is what it was before', {}, {}, 'clean', []],
  [
    'flags a regression at exactly the factor: 5× the burn before it, and above 1',
    { after: burn(5), before: burn(1) },
    {},
    'regression',
    ['compared-to-before'],
  ],
  ['is clean just under the factor', { after: burn(4.99), before: burn(1) }, {}, 'clean', []],
  ['is clean at 10× the burn before while still at exactly 1×, the sustainable rate', { after: burn(1), before: burn(0.1) }, {}, 'clean', []],
  ['flags a regression just above 1× at 10× the burn before', { after: burn(1.01), before: burn(0.1) }, {}, 'regression', ['compared-to-before']],
  ['flags a regression when nothing failed before the deploy', { after: burn(2), before: burn(0) }, {}, 'regression', ['compared-to-before']],
  [
    'flags a regression when there was no traffic before the deploy',
    { after: burn(2), before: { ok: true, ratio: NaN } },
    {},
    'regression',
    ['compared-to-before'],
  ],
  ['is clean with no traffic since the deploy', { after: { ok: true, ratio: NaN }, requests: 0 }, {}, 'clean', []],
  [
    'uses the policy factor: 3× is a regression with regressionFactor 3',
    { after: burn(3), before: burn(1) },
    { regressionFactor: 3 },
    'regression',
    ['compared-to-before'],
  ],
  [
    `is clean on fewer than ${MIN_REQUESTS} requests since the deploy, however bad the ratio`,
    { after: burn(100), before: burn(0.1), requests: MIN_REQUESTS - 1 },
    {},
    'clean',
    [],
  ],
  [
    `flags a regression at exactly ${MIN_REQUESTS} requests with ${MIN_FAILED} failed`,
    { after: { ok: true, ratio: MIN_FAILED / MIN_REQUESTS }, before: burn(0.1), requests: MIN_REQUESTS },
    {},
    'regression',
    ['compared-to-before'],
  ],
  [
    `is clean with fewer than ${MIN_FAILED} failed requests since the deploy`,
    { after: { ok: true, ratio: 4 / 1000 }, before: burn(0.1), requests: 1000 },
    {},
    'clean',
    [],
  ],
  [
    'judges on the ratios alone when the SLI cannot count requests (a raw ratio)',
    { after: burn(5), before: burn(1), requests: undefined },
    {},
    'regression',
    ['compared-to-before'],
  ],
  [
    'flags a regression while a burn-rate rule fires at the check, though the burn was as high before',
    { after: burn(20), before: burn(20) },
    { firing: true },
    'regression',
    ['burn-rule'],
  ],
  ['names both triggers when both hold', { after: burn(20), before: burn(1) }, { firing: true }, 'regression', ['burn-rule', 'compared-to-before']],
  [
    'flags a firing rule even when the comparison has no data',
    { after: failed('errorQuery returned no series') },
    { firing: true },
    'regression',
    ['burn-rule'],
  ],
  ['reports missing data when the burn since the deploy cannot be read', { after: failed('cannot reach prometheus') }, {}, 'missing', []],
  ['reports missing data when the burn before the deploy cannot be read', { before: failed('cannot reach prometheus') }, {}, 'missing', []],
  ['reports missing data for a ratio that is not a ratio', { after: { ok: true, ratio: -1 } }, {}, 'missing', []],
];

describe('verify: is a deployment a regression?', () => {
  for (const [story, reading, options, state, triggers] of TABLE) {
    it(story, () => {
      const verification = check(reading, options);
      expect(verification.state).toBe(state);
      expect(verification.slos[0]!.triggers).toEqual(triggers);
    });
  }

  it('says why data is missing, and when', () => {
    const result = check({ before: failed('totalQuery returned no series') }).slos[0]!;
    expect(result).toMatchObject({
      state: 'missing',
      missing: 'before the deploy: totalQuery returned no series',
      burnBefore: undefined,
      burnAfter: expect.closeTo(0.5, 9),
    });
  });

  it('reports the numbers behind the verdict: both burns, the requests, the rules that fire', () => {
    const result = check({ after: burn(20), before: burn(1), requests: 1234 }, { firing: true }).slos[0]!;
    expect(result).toMatchObject({ firingRules: ['fast', 'slow'], requests: 1234, enoughTraffic: true });
    expect(result.burnAfter).toBeCloseTo(20, 9);
    expect(result.burnBefore).toBeCloseTo(1, 9);
  });

  it('treats an SLO that was not measured at all as missing data', () => {
    const verification = verify(policy, new Map(), quiet, { elapsedMs: MINUTE, regressionFactor: 5 });
    expect(verification.state).toBe('missing');
    expect(verification.slos[0]!.missing).toBe('since the deploy: not measured');
  });

  it('flags the deployment when any one SLO regressed, even if another has no data', () => {
    const two = policyWith({ slos: [slo('checkout'), slo('search')], burnRate: BURN_RATE });
    const readings = new Map<string, DeployReading>([
      ['checkout', { after: burn(10), before: burn(1), requests: 10_000 }],
      ['search', { after: failed('timeout'), before: burn(1), requests: undefined }],
    ]);
    const verification = verify(two, readings, quiet, { elapsedMs: MINUTE, regressionFactor: 5 });
    expect(verification.state).toBe('regression');
    expect(verification.slos.map((s) => s.state)).toEqual(['regression', 'missing']);
  });

  it('refuses a check at or before the deploy', () => {
    expect(() => verify(policy, new Map(), quiet, { elapsedMs: 0, regressionFactor: 5 })).toThrow(RangeError);
    expect(() => verify(policy, new Map(), quiet, { elapsedMs: NaN, regressionFactor: 5 })).toThrow(RangeError);
  });
});

describe('budgetSpent: error budget a deployment has cost so far', () => {
  it('is the errors since the deploy over the period budget: 30 min at 14.4× of a 30-day budget is 1%', () => {
    expect(budgetSpent(0.0144, 30 * MINUTE, 99.9, 30 * 86_400_000)).toBeCloseTo(0.01, 12);
  });

  it('is exactly the whole budget at 1× for the whole period', () => {
    expect(budgetSpent(0.001, 30 * 86_400_000, 99.9, 30 * 86_400_000)).toBeCloseTo(1, 12);
  });

  it('is nothing without errors or without traffic', () => {
    expect(budgetSpent(0, 15 * MINUTE, 99.9, 30 * 86_400_000)).toBe(0);
    expect(budgetSpent(NaN, 15 * MINUTE, 99.9, 30 * 86_400_000)).toBe(0);
  });

  it('is reported per SLO by verify, from the burn since the deploy and the time since it', () => {
    // 5× for 1h of a 30-day budget: 5 / 720.
    expect(check({ after: burn(5) }, { elapsedMs: 60 * MINUTE }).slos[0]!.budgetSpent).toBeCloseTo(5 / 720, 12);
    expect(check({ after: failed('down') }).slos[0]!.budgetSpent).toBeUndefined();
  });
});

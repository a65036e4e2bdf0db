import { parseDuration } from '../policy/duration.js';
import type { Policy, Slo } from '../policy/schema.js';
import { forecastBlocks, forecastBudget } from './forecast.js';
import { atOrBelow, below, burnRate, exceeds } from './math.js';
import type { Assessment, BudgetResult, BudgetTier, Readings, Reason, RuleResult, SloResult, SloState, WindowBurn, WindowReading } from './types.js';

const NOT_MEASURED: WindowReading = { ok: false, reason: 'not measured' };

/**
 * Judges the measurements against the policy: multi-window, multi-burn-rate rules
 * (Google SRE Workbook, ch. 5) and the error budget left, in its tiers. `allowedBy` is the
 * `budget.allowLabels` label the change carries, if any: it lets the change through a restricted
 * budget. Pure: no I/O, no clock.
 */
export function assess(policy: Policy, readings: Readings, allowedBy?: string): Assessment {
  const slos = policy.slos.map((slo) => assessSlo(policy, slo, readings.get(slo.name) ?? new Map(), allowedBy));
  const reasons = slos.flatMap(reasonsOf).sort((a, b) => REASON_RANK[a.kind] - REASON_RANK[b.kind]);
  const budgets = slos.flatMap((s) => (s.budget.left === undefined ? [] : [s.budget.left]));
  const burns = slos.flatMap((s) => s.rules.flatMap((r) => [r.long.burnRate, r.short.burnRate])).filter((b) => b !== undefined);
  return {
    state: worst(slos.map((s) => s.state)),
    slos,
    reasons,
    missing: reasons.flatMap((r) => (r.kind === 'missing-data' ? [{ slo: r.slo, window: r.window, reason: r.reason }] : [])),
    lowestBudgetLeft: budgets.length > 0 ? Math.min(...budgets) : undefined,
    tier: lowestTier(slos),
    highestBurn: burns.length > 0 ? Math.max(...burns) : undefined,
  };
}

function assessSlo(policy: Policy, slo: Slo, windows: ReadonlyMap<string, WindowReading>, allowedBy: string | undefined): SloResult {
  const burnOf = (window: string): WindowBurn => {
    const reading = windows.get(window) ?? NOT_MEASURED;
    if (!reading.ok) return { window, burnRate: undefined, noTraffic: false, missing: reading.reason };
    if (!(reading.ratio >= 0) && !Number.isNaN(reading.ratio)) {
      return { window, burnRate: undefined, noTraffic: false, missing: `error ratio ${reading.ratio} is not a ratio` };
    }
    if (reading.ratio === Infinity) return { window, burnRate: undefined, noTraffic: false, missing: 'error ratio is infinite' };
    const burn: WindowBurn = { window, burnRate: burnRate(reading.ratio, slo.objective), noTraffic: Number.isNaN(reading.ratio), missing: undefined };
    return reading.failed === undefined ? burn : { ...burn, failed: reading.failed };
  };

  const { minErrors } = policy.burnRate;
  const guard: SloResult['guard'] = minErrors <= 0 ? 'off' : slo.sli.events ? 'on' : 'no counts';
  const rules = policy.burnRate.rules.map((rule): RuleResult => {
    const long = burnOf(rule.long);
    const short = burnOf(rule.short);
    const over = [long, short].map((w) => (w.burnRate === undefined ? undefined : exceeds(w.burnRate, rule.factor)));
    // Both windows must exceed the factor; one window known to be under it settles the rule.
    const state = over.includes(false) ? 'quiet' : over.includes(undefined) ? 'unknown' : 'fires';
    // The guard: too few failed requests in the long window settle it too. A window without a
    // count (a raw SLI) cannot be held back: its rule fires on the ratio alone, failing closed.
    if (state !== 'quiet' && guard === 'on' && long.failed !== undefined && long.failed < minErrors) {
      return { rule, long, short, state: 'quiet', heldBack: { failed: long.failed, minErrors } };
    }
    return { rule, long, short, state };
  });

  const period = burnOf(slo.period);
  // Budget left = 1 - r(period) / allowed ratio = 1 - b(period).
  const left = period.burnRate === undefined ? undefined : 1 - period.burnRate;
  const { blockBelow, warnBelow, restrictBelow, freezeBelow } = policy.budget;
  const budget: BudgetResult = {
    window: slo.period,
    left,
    blockBelow,
    warnBelow,
    ...(restrictBelow === undefined ? {} : { restrictBelow }),
    ...(freezeBelow === undefined ? {} : { freezeBelow }),
    allowLabels: [...policy.budget.allowLabels],
    ...(policy.budget.horizon === undefined ? {} : { horizon: policy.budget.horizon }),
    noTraffic: period.noTraffic,
    missing: period.missing,
    state: left === undefined ? 'unknown' : tierOf(left * 100, policy.budget),
  };

  const horizonMs = policy.budget.horizon === undefined ? undefined : parseDuration(policy.budget.horizon);
  const forecast = forecastBudget(budget, rules, slo.period, horizonMs);
  const states: SloState[] = [
    ...rules.map((r): SloState => (r.state === 'fires' ? 'block' : r.state === 'unknown' ? 'missing' : 'pass')),
    budgetState(budget.state, allowedBy),
    forecastBlocks(budget, forecast) ? 'block' : 'pass',
  ];
  return {
    slo,
    rules,
    budget,
    state: worst(states),
    guard,
    minErrors,
    ...(budget.state === 'restricted' && allowedBy ? { allowedBy } : {}),
    ...(forecast ? { forecast } : {}),
  };
}

/** The tier of a budget with `percent` left: at or below blockBelow blocks; below each other threshold, its tier. */
export function tierOf(percent: number, { blockBelow, freezeBelow, restrictBelow, warnBelow }: Policy['budget']): BudgetTier {
  if (atOrBelow(percent, blockBelow)) return 'exhausted';
  if (freezeBelow !== undefined && below(percent, freezeBelow)) return 'frozen';
  if (restrictBelow !== undefined && below(percent, restrictBelow)) return 'restricted';
  return below(percent, warnBelow) ? 'low' : 'ok';
}

function budgetState(tier: BudgetResult['state'], allowedBy: string | undefined): SloState {
  switch (tier) {
    case 'exhausted':
    case 'frozen':
      return 'block';
    case 'restricted':
      return allowedBy ? 'warn' : 'block';
    case 'low':
      return 'warn';
    case 'ok':
      return 'pass';
    case 'unknown':
      return 'missing';
  }
}

const TIER_RANK: Record<BudgetTier, number> = { ok: 0, low: 1, restricted: 2, frozen: 3, exhausted: 4 };

function lowestTier(slos: readonly SloResult[]): BudgetTier | undefined {
  let lowest: BudgetTier | undefined;
  for (const { budget } of slos) {
    if (budget.state !== 'unknown' && (lowest === undefined || TIER_RANK[budget.state] > TIER_RANK[lowest])) lowest = budget.state;
  }
  return lowest;
}

const STATE_RANK: Record<SloState, number> = { pass: 0, warn: 1, missing: 2, block: 3 };

/** A known block outranks missing data: it is a definite answer. */
export function worst(states: SloState[]): SloState {
  return states.reduce<SloState>((acc, s) => (STATE_RANK[s] > STATE_RANK[acc] ? s : acc), 'pass');
}

const REASON_RANK: Record<Reason['kind'], number> = {
  burn: 0,
  'budget-exhausted': 1,
  'budget-forecast': 2,
  'budget-frozen': 3,
  'budget-restricted': 4,
  'missing-data': 5,
  'budget-low': 6,
  // Not made here: decide() puts a change freeze (gate/freeze.ts) before every other reason.
  freeze: -1,
};

function reasonsOf(result: SloResult): Reason[] {
  const slo = result.slo.name;
  const reasons: Reason[] = [];
  const missing = new Map<string, string>();
  for (const { rule, long, short, state } of result.rules) {
    if (state === 'fires') {
      reasons.push({
        kind: 'burn',
        slo,
        rule: rule.name,
        factor: rule.factor,
        long: { window: long.window, burnRate: long.burnRate! },
        short: { window: short.window, burnRate: short.burnRate! },
      });
    }
    if (state === 'unknown') for (const w of [long, short]) if (w.missing !== undefined) missing.set(w.window, w.missing);
  }
  const { budget } = result;
  if (budget.state === 'unknown') missing.set(budget.window, budget.missing ?? 'not measured');
  const budgetReason = budgetReasonOf(result);
  if (budgetReason) reasons.push(budgetReason);
  const { forecast } = result;
  if (forecastBlocks(budget, forecast)) {
    reasons.push({
      kind: 'budget-forecast',
      slo,
      leftPercent: budget.left! * 100,
      projectedPercent: forecast!.leftAfterHorizon! * 100,
      horizon: budget.horizon!,
      blockBelow: budget.blockBelow,
    });
  }
  for (const [window, reason] of missing) reasons.push({ kind: 'missing-data', slo, window, reason });
  return reasons;
}

function budgetReasonOf({ slo, budget, allowedBy }: SloResult): Reason | undefined {
  if (budget.left === undefined) return undefined;
  const leftPercent = budget.left * 100;
  switch (budget.state) {
    case 'exhausted':
      return { kind: 'budget-exhausted', slo: slo.name, leftPercent, blockBelow: budget.blockBelow };
    case 'frozen':
      return { kind: 'budget-frozen', slo: slo.name, leftPercent, freezeBelow: budget.freezeBelow! };
    case 'restricted': {
      const reason: Reason = { kind: 'budget-restricted', slo: slo.name, leftPercent, restrictBelow: budget.restrictBelow!, allowLabels: budget.allowLabels };
      return allowedBy ? { ...reason, allowedBy } : reason;
    }
    case 'low':
      return { kind: 'budget-low', slo: slo.name, leftPercent, warnBelow: budget.warnBelow };
    default:
      return undefined;
  }
}

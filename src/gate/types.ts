import type { BurnRule, Permission, Policy, Slo } from '../policy/schema.js';

/**
 * What one window of one SLO measured. `ratio` is the error ratio (errors / total, 0..1);
 * NaN means there was no traffic in the window. `failed` is how many requests failed in the
 * window, when the SLI counts them (an events SLI); a raw ratio has no count. A failed read
 * carries the reason.
 */
export type WindowReading = { ok: true; ratio: number; failed?: number } | { ok: false; reason: string };

/** Readings keyed by SLO name, then by window (`5m`, `1h`, `30d`). */
export type Readings = ReadonlyMap<string, ReadonlyMap<string, WindowReading>>;

export interface WindowBurn {
  window: string;
  /** Burn rate: error ratio / allowed error ratio. 0 with no traffic; undefined when the data is missing. */
  burnRate: number | undefined;
  noTraffic: boolean;
  missing: string | undefined;
  /** Failed requests in the window, when the SLI counts them; undefined for a raw ratio or missing data. */
  failed?: number;
}

export interface RuleResult {
  rule: BurnRule;
  long: WindowBurn;
  short: WindowBurn;
  /**
   * fires: both windows over the factor, and the long one holds enough failed requests;
   * quiet: at least one is not over, or the guard held it back; unknown: data missing and it matters.
   */
  state: 'fires' | 'quiet' | 'unknown';
  /**
   * Set when the significance guard decided the rule: it would have fired (or been undecided),
   * but its long window holds only `failed` failed requests, fewer than `minErrors`.
   */
  heldBack?: { failed: number; minErrors: number };
}

export interface BudgetResult {
  window: string;
  /** Fraction of the error budget left (1 = untouched, 0 = spent, negative = overspent). */
  left: number | undefined;
  noTraffic: boolean;
  missing: string | undefined;
  /** The policy's thresholds, in percent of budget left (restrict and freeze: when the policy sets them). */
  blockBelow: number;
  warnBelow: number;
  restrictBelow?: number;
  freezeBelow?: number;
  /** The labels that let a change through a restricted budget (`budget.allowLabels`). */
  allowLabels: string[];
  /** `budget.horizon`, when set: block when the forecast falls to blockBelow within it. */
  horizon?: string;
  /**
   * The tier the budget is in, from the most budget left to the least: ok, low (warn), restricted
   * (only allowed labels merge), frozen (only bypass labels), exhausted (blocks); unknown: no data.
   */
  state: BudgetTier | 'unknown';
}

export type BudgetTier = 'ok' | 'low' | 'restricted' | 'frozen' | 'exhausted';

export type SloState = 'pass' | 'warn' | 'block' | 'missing';

export interface SloResult {
  slo: Slo;
  rules: RuleResult[];
  budget: BudgetResult;
  state: SloState;
  /**
   * The significance guard for this SLO: `on`; `off` (burnRate.minErrors is 0); or `no counts`:
   * the policy sets one, but the SLI is a raw ratio without failed-request counts, so its rules
   * fire on the ratio alone.
   */
  guard: 'on' | 'off' | 'no counts';
  /** The guard's threshold, `burnRate.minErrors` (0: no guard). */
  minErrors: number;
  /** The allowed label that lets the change through this SLO's restricted budget. */
  allowedBy?: string;
  /** Where the budget is heading at the current net burn; undefined without a budget or a rule window reading. */
  forecast?: BudgetForecast;
}

/** How long until a blocked change would pass, and on what assumption (gate/expected-pass.ts). */
export interface ExpectedPass {
  inMs: number;
  basis: 'errors stop' | 'budget recovers' | 'freeze ends';
}

/** The budget's course at the current net burn (gate/forecast.ts): rough, from the readings at hand. */
export interface BudgetForecast {
  /** The window the current burn is read over: the longest rule window. */
  window: string;
  currentBurn: number;
  /** The period's average burn, at which old errors are taken to age out: 1 − budget left. */
  averageBurn: number;
  /** currentBurn − averageBurn: above 0 the budget shrinks, below 0 it recovers. */
  netBurn: number;
  /** When the budget left reaches 0 at this net burn, if that is within the period. */
  goneInMs?: number;
  /** With `budget.horizon`: the horizon, and the budget left (fraction) projected at its end. */
  horizonMs?: number;
  leftAfterHorizon?: number;
}

/** Data a decision needed and did not get. */
export interface MissingData {
  slo: string;
  window: string;
  reason: string;
}

/** Why the gate says what it says, most important first. Every reason carries its numbers. */
export type Reason =
  | { kind: 'burn'; slo: string; rule: string; factor: number; long: { window: string; burnRate: number }; short: { window: string; burnRate: number } }
  | { kind: 'budget-exhausted'; slo: string; leftPercent: number; blockBelow: number }
  /** The budget would fall to `blockBelow` within `horizon` at the current net burn. */
  | { kind: 'budget-forecast'; slo: string; leftPercent: number; projectedPercent: number; horizon: string; blockBelow: number }
  | { kind: 'budget-frozen'; slo: string; leftPercent: number; freezeBelow: number }
  /** `allowedBy`: the allowed label the change carries, which lets it through (then it does not block). */
  | { kind: 'budget-restricted'; slo: string; leftPercent: number; restrictBelow: number; allowLabels: string[]; allowedBy?: string }
  | { kind: 'budget-low'; slo: string; leftPercent: number; warnBelow: number }
  | ({ kind: 'missing-data' } & MissingData)
  /**
   * A change-freeze window of `freeze:` is in force (not the budget tier `budget-frozen`; decide.ts): it blocks
   * whatever the budget, until `endsAt` (ISO, UTC; `zone` is the window's own zone). `allowedBy`: the
   * window's allowed label, applied by someone with `bypass.minPermission`, that lets the change through
   * (then it does not block). `refused`: allowed labels applied by someone without that permission.
   */
  | {
      kind: 'freeze';
      /** A freeze holds every SLO: it names none. */
      slo?: undefined;
      window: number;
      reason: string;
      endsAt: string;
      zone: string;
      allowLabels: string[];
      allowedBy?: { label: string; actor: string };
      refused: BypassCandidate[];
    };

/** What the measurements say, before mode and bypass. */
export interface Assessment {
  state: SloState;
  slos: SloResult[];
  reasons: Reason[];
  /** Missing data that left a rule or a budget undecided. */
  missing: MissingData[];
  /** Lowest budget left over all SLOs that have one, as a fraction. */
  lowestBudgetLeft: number | undefined;
  /** The lowest budget tier of any SLO; undefined when no budget was measured. */
  tier: BudgetTier | undefined;
  /** Highest burn rate over every rule window. */
  highestBurn: number | undefined;
}

export type PermissionLevel = Permission | 'read' | 'none';

/** A bypass label on the pull request and who applied it. */
export interface BypassCandidate {
  label: string;
  /** Login of whoever applied the label last; undefined when it cannot be told. */
  actor: string | undefined;
  permission: PermissionLevel;
  appliedAt: string | undefined;
}

export interface Bypass {
  label: string;
  actor: string;
  appliedAt: string | undefined;
}

export type GateState = 'success' | 'failure' | 'error';

/** The gate's final word on one commit: the commit status and everything behind it. */
export interface Verdict {
  state: GateState;
  /** What the gate would say in enforce mode without a bypass. */
  wouldBe: SloState;
  mode: Policy['mode'];
  onMissingData: Policy['onMissingData'];
  assessment: Assessment;
  bypass: Bypass | undefined;
  /** Bypass labels present but applied by someone without `bypass.minPermission`. */
  ignoredBypass: BypassCandidate[];
  /** The `budget.allowLabels` label that let the change through a restricted budget, if one did. */
  allowedBy?: string;
  /**
   * While the gate blocks: roughly how long until it would pass, if the errors stopped now (a rule's
   * short window clears) or at the current error rate (a budget climbs back over its tier). Undefined
   * when it passes, or when there is no estimate (missing data, a budget that is not recovering).
   * The handlers may re-check at that time when it is sooner than their usual interval.
   */
  expectedPassInMs?: number;
  /** What the estimate assumes: the errors stop now, or the budget recovers at the current error rate. */
  expectedPassBasis?: ExpectedPass['basis'];
  minPermission: Permission;
}

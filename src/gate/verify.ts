import { parseDuration } from '../policy/duration.js';
import type { Policy, Slo } from '../policy/schema.js';
import { below, burnRate, errorBudget, exceeds } from './math.js';
import type { Assessment, WindowReading } from './types.js';

/**
 * Post-deploy verification: did the deployment hurt? Pure: no I/O, no clock.
 *
 * For each SLO it compares the burn over the time since the deploy (`after`) with the burn over
 * the same length of time just before it (`before`). A regression is either
 * - a burn-rate rule firing at the check (the service is burning after the deploy, whoever caused it), or
 * - after ≥ regressionFactor × before, and after > 1 (faster than the budget affords), with enough
 *   traffic since the deploy for the ratio to mean something: MIN_REQUESTS requests, MIN_FAILED of
 *   them failed. Fewer than that and one unlucky request reads as a 100× regression; at five
 *   failures a Poisson count is still ±45 % noisy, which the factor (5 by default) absorbs.
 */
export const MIN_REQUESTS = 100;
export const MIN_FAILED = 5;

/** What the metrics said about one SLO around one deployment. */
export interface DeployReading {
  /** Error ratio over the time since the deploy (NaN: no traffic). */
  after: WindowReading;
  /** Error ratio over the same length of time just before the deploy. */
  before: WindowReading;
  /**
   * Requests since the deploy; undefined when the SLI cannot count them (a `raw` ratio SLI), in
   * which case the comparison is judged on the ratios alone.
   */
  requests: number | undefined;
}

/** Readings by SLO name. An SLO left out was not measured: it is missing data. */
export type DeployReadings = ReadonlyMap<string, DeployReading>;

export type Trigger = 'burn-rule' | 'compared-to-before';

export interface SloVerification {
  slo: Slo;
  state: 'regression' | 'ok' | 'missing';
  triggers: Trigger[];
  /** Rules of the normal assessment that fire at the check. */
  firingRules: string[];
  /** Burn rates since the deploy and over the same length before it; undefined when missing. */
  burnAfter: number | undefined;
  burnBefore: number | undefined;
  requests: number | undefined;
  /** False when too little traffic since the deploy to compare; undefined when it cannot be told. */
  enoughTraffic: boolean | undefined;
  /** Fraction of the SLO period's error budget spent since the deploy; undefined when missing. */
  budgetSpent: number | undefined;
  /** Why the comparison could not be made. */
  missing: string | undefined;
}

export interface Verification {
  /** regression: at least one SLO regressed; missing: none did, but one could not be judged; clean otherwise. */
  state: 'regression' | 'clean' | 'missing';
  elapsedMs: number;
  regressionFactor: number;
  slos: SloVerification[];
}

export interface VerifyOptions {
  /** Time since the deployment reported success. */
  elapsedMs: number;
  regressionFactor: number;
}

const NOT_MEASURED: DeployReading = { after: { ok: false, reason: 'not measured' }, before: { ok: false, reason: 'not measured' }, requests: undefined };

/**
 * Judges one post-deploy check. `policy` is the environment's policy (its SLOs only) and
 * `assessment` the normal assessment of it at the check, for the burn-rate rules.
 */
export function verify(policy: Policy, readings: DeployReadings, assessment: Assessment, options: VerifyOptions): Verification {
  if (!(options.elapsedMs > 0)) throw new RangeError(`a post-deploy check needs time since the deploy, not ${options.elapsedMs} ms`);
  const slos = policy.slos.map((slo) => verifySlo(slo, readings.get(slo.name) ?? NOT_MEASURED, firingRules(assessment, slo.name), options));
  const state = slos.some((s) => s.state === 'regression') ? 'regression' : slos.some((s) => s.state === 'missing') ? 'missing' : 'clean';
  return { state, elapsedMs: options.elapsedMs, regressionFactor: options.regressionFactor, slos };
}

/**
 * Fraction of the period's error budget a deployment has spent so far:
 *
 *     budgetSpent = (r_after × elapsed) / (b × period)
 *
 * where r_after is the error ratio since the deploy and b = 1 − objective/100 the allowed ratio.
 * Errors since the deploy are r_after × requests since the deploy; the budget is b × requests
 * over the period; with steady traffic the request counts are in the ratio elapsed : period.
 * No traffic (NaN) spends nothing.
 */
export function budgetSpent(errorRatio: number, elapsedMs: number, objectivePercent: number, periodMs: number): number {
  if (Number.isNaN(errorRatio)) return 0;
  return (errorRatio * elapsedMs) / (errorBudget(objectivePercent) * periodMs);
}

function verifySlo(slo: Slo, reading: DeployReading, firing: string[], { elapsedMs, regressionFactor }: VerifyOptions): SloVerification {
  const after = usable(reading.after);
  const before = usable(reading.before);
  const burnAfter = typeof after === 'number' ? burnRate(after, slo.objective) : undefined;
  const burnBefore = typeof before === 'number' ? burnRate(before, slo.objective) : undefined;
  const requests = reading.requests !== undefined && Number.isFinite(reading.requests) && reading.requests >= 0 ? reading.requests : undefined;
  const failed = requests !== undefined && typeof after === 'number' && !Number.isNaN(after) ? after * requests : 0;
  const enoughTraffic = requests === undefined ? undefined : requests >= MIN_REQUESTS && !below(failed, MIN_FAILED);
  const period = parseDuration(slo.period);
  const missing = [after, before].find((r): r is string => typeof r === 'string');

  const triggers: Trigger[] = firing.length > 0 ? ['burn-rule'] : [];
  if (
    burnAfter !== undefined &&
    burnBefore !== undefined &&
    enoughTraffic !== false &&
    exceeds(burnAfter, 1) &&
    !below(burnAfter, regressionFactor * burnBefore)
  ) {
    triggers.push('compared-to-before');
  }
  return {
    slo,
    // A firing rule is a definite answer, whatever else is missing.
    state: triggers.length > 0 ? 'regression' : missing !== undefined ? 'missing' : 'ok',
    triggers,
    firingRules: firing,
    burnAfter,
    burnBefore,
    requests,
    enoughTraffic,
    budgetSpent: typeof after === 'number' && period !== undefined ? budgetSpent(after, elapsedMs, slo.objective, period) : undefined,
    missing: missing === undefined ? undefined : `${missing === after ? 'since the deploy' : 'before the deploy'}: ${missing}`,
  };
}

/** The ratio of a reading, or the reason it cannot be used. */
function usable(reading: WindowReading): number | string {
  if (!reading.ok) return reading.reason;
  if (Number.isNaN(reading.ratio)) return NaN;
  if (!(reading.ratio >= 0) || !Number.isFinite(reading.ratio)) return `error ratio ${reading.ratio} is not a ratio`;
  return reading.ratio;
}

function firingRules(assessment: Assessment, slo: string): string[] {
  return assessment.slos.find((s) => s.slo.name === slo)?.rules.flatMap((r) => (r.state === 'fires' ? [r.rule.name] : [])) ?? [];
}

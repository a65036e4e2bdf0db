import { decide } from './gate/decide.js';
import type { BypassCandidate, Verdict } from './gate/types.js';
import { measure } from './metrics/measure.js';
import type { MetricsSource } from './metrics/source.js';
import type { Policy } from './policy/schema.js';

/**
 * How long one evaluation may take when the caller does not say: a policy can need about 2,000
 * queries, and an evaluation holds the pull request's lock while it runs.
 */
export const EVALUATION_DEADLINE_MS = 60_000;

export interface Evaluation {
  policy: Policy;
  metrics: MetricsSource;
  /** Bypass labels on the change and who applied them; none for a plain evaluation. */
  candidates?: readonly BypassCandidate[];
  /** Every label on the change, for `budget.allowLabels` (a restricted budget); none for a plain evaluation. */
  labels?: readonly string[];
  /** Evaluate as of this moment (the metrics server's now by default). */
  at?: Date;
  /** The clock, for the change-freeze windows when `at` is not given (Date.now by default). */
  now?: () => number;
  /** How long the evaluation may take, in ms (EVALUATION_DEADLINE_MS by default; Infinity: no limit). */
  deadlineMs?: number;
}

/**
 * The one engine: the same for a pull request head, a deployment, or the command line. Rejects
 * with EvaluationDeadlineError, naming the deadline and the queries still outstanding, when the
 * measurements take longer than `deadlineMs`; queries not yet sent by then are never sent.
 */
export async function evaluate({
  policy,
  metrics,
  candidates = [],
  labels = [],
  at,
  now = Date.now,
  deadlineMs = EVALUATION_DEADLINE_MS,
}: Evaluation): Promise<Verdict> {
  const readings = await measure(policy, metrics, { at, deadlineMs });
  return decide(policy, readings, candidates, labels, at ?? new Date(now()));
}

import { decide } from './gate/decide.js';
import type { BypassCandidate, Verdict } from './gate/types.js';
import { measure } from './metrics/measure.js';
import type { MetricsSource } from './metrics/source.js';
import type { Policy } from './policy/schema.js';

export interface Evaluation {
  policy: Policy;
  metrics: MetricsSource;
  /** Bypass labels on the change and who applied them; none for a plain evaluation. */
  candidates?: readonly BypassCandidate[];
  /** Evaluate as of this moment (the metrics server's now by default). */
  at?: Date;
}

/** The one engine: the same for a pull request head, a deployment, or the command line. */
export async function evaluate({ policy, metrics, candidates = [], at }: Evaluation): Promise<Verdict> {
  const readings = await measure(policy, metrics, { at });
  return decide(policy, readings, candidates);
}

import type { Policy } from '../policy/schema.js';
import { assess } from './assess.js';
import { resolveBypass } from './bypass.js';
import { expectedPass } from './expected-pass.js';
import type { BypassCandidate, GateState, Readings, SloState, Verdict } from './types.js';

/**
 * The whole decision for one commit: measurements, policy, bypass labels and the change's labels
 * in, verdict out. Success is never the default: it is reached only by a pass, a warn-mode run, a
 * permitted bypass, a `budget.allowLabels` label on a restricted budget, or missing data the
 * policy explicitly allows.
 */
export function decide(policy: Policy, readings: Readings, candidates: readonly BypassCandidate[] = [], labels: readonly string[] = []): Verdict {
  const allowedBy = policy.budget.allowLabels.find((label) => labels.includes(label));
  const assessment = assess(policy, readings, allowedBy);
  const { bypass, ignored } = resolveBypass(policy, candidates);
  const enforced = enforce(assessment.state, policy.onMissingData);
  const state = bypass || policy.mode === 'warn' ? 'success' : enforced;
  const pass = state === 'failure' ? expectedPass(assessment) : undefined;
  return {
    state,
    wouldBe: assessment.state,
    mode: policy.mode,
    onMissingData: policy.onMissingData,
    assessment,
    bypass,
    ignoredBypass: ignored,
    minPermission: policy.bypass.minPermission,
    ...(assessment.slos.some((s) => s.allowedBy) ? { allowedBy } : {}),
    ...(pass === undefined ? {} : { expectedPassInMs: pass.inMs, expectedPassBasis: pass.basis }),
  };
}

function enforce(state: SloState, onMissingData: Policy['onMissingData']): GateState {
  switch (state) {
    case 'pass':
    case 'warn':
      return 'success';
    case 'block':
      return 'failure';
    case 'missing':
      return onMissingData === 'allow' ? 'success' : 'error';
  }
}

import type { Policy } from '../policy/schema.js';
import { assess } from './assess.js';
import { resolveBypass } from './bypass.js';
import { changeFreeze, passAfterFreeze, withFreeze } from './change-freeze.js';
import { expectedPass } from './expected-pass.js';
import type { BypassCandidate, GateState, Readings, SloState, Verdict } from './types.js';

/**
 * The whole decision for one commit: measurements, policy, bypass labels and the change's labels
 * in, verdict out. Success is never the default: it is reached only by a pass, a warn-mode run, a
 * permitted bypass, a `budget.allowLabels` label on a restricted budget, or missing data the
 * policy explicitly allows. `at` is the moment decided about, for the change-freeze windows of
 * `freeze:` (gate/change-freeze.ts): a window in force blocks whatever the measurements say, unless
 * one of its allowed labels was applied with `bypass.minPermission` (a bypass label still wins).
 * Without `at` no freeze window is looked at: every caller that gates a change passes it.
 */
export function decide(policy: Policy, readings: Readings, candidates: readonly BypassCandidate[] = [], labels: readonly string[] = [], at?: Date): Verdict {
  const allowedBy = policy.budget.allowLabels.find((label) => labels.includes(label));
  const measured = assess(policy, readings, allowedBy);
  const freeze = at === undefined ? undefined : changeFreeze(policy, at, candidates);
  const assessment = withFreeze(measured, freeze);
  const { bypass, ignored } = resolveBypass(policy, candidates);
  const enforced = enforce(assessment.state, policy.onMissingData);
  const state = bypass || policy.mode === 'warn' ? 'success' : enforced;
  const measuredPass = state === 'failure' ? expectedPass(measured) : undefined;
  const pass = state === 'failure' && freeze?.blocks ? passAfterFreeze(measured, measuredPass, freeze) : measuredPass;
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

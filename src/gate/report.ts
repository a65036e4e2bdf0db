import type { PolicyProblem } from '../errors.js';
import type { GateState, Verdict } from './types.js';

/** Everything one evaluation can end in; each maps to exactly one commit status. */
export type Report = { kind: 'verdict'; verdict: Verdict } | { kind: 'invalid-policy'; problems: PolicyProblem[] } | { kind: 'failed'; message: string };

export function stateOf(report: Report): GateState {
  return report.kind === 'verdict' ? report.verdict.state : 'error';
}

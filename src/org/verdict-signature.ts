import { stateOf, type Report } from '../gate/report.js';
import type { Reason } from '../gate/types.js';

/**
 * What a pull request's verdict says, without the numbers behind it: the state, why (which SLO, which
 * rule or budget tier), and any bypass. A gate group writes to GitHub only when this changes, so a
 * burn rate moving from 20× to 19× during an incident costs nothing; the status keeps the numbers
 * of the moment its verdict last changed (and the foreign-status check re-asserts it).
 */
export function verdictSignature(report: Report): string {
  switch (report.kind) {
    case 'invalid-policy':
      return `error|invalid|${report.problems.map((p) => `${p.path}:${p.message}`).join(';')}`;
    case 'failed':
      return 'error|failed';
    case 'verdict': {
      const { verdict } = report;
      const why = verdict.assessment.reasons.map(reasonSignature).join(';');
      const bypass = verdict.bypass ? `${verdict.bypass.label}@${verdict.bypass.actor}` : '';
      return [stateOf(report), verdict.wouldBe, verdict.mode, bypass, verdict.allowedBy ?? '', why].join('|');
    }
  }
}

function reasonSignature(reason: Reason): string {
  switch (reason.kind) {
    case 'burn':
      return `burn:${reason.slo}:${reason.rule}`;
    case 'missing-data':
      return `missing:${reason.slo}:${reason.window}`;
    default:
      return `${reason.kind}:${reason.slo}`;
  }
}

import { formatProblem } from '../errors.js';
import type { Report } from '../gate/report.js';
import type { Reason, Verdict } from '../gate/types.js';
import { freezeSentence } from './freeze.js';
import { formatBurn, formatPercent, formatSpan } from './numbers.js';

/** GitHub rejects commit status descriptions over 140 characters. */
export const MAX_DESCRIPTION = 140;

/** The one-line commit status description: leads with what matters, fits GitHub's limit. */
export function describeReport(report: Report): string {
  switch (report.kind) {
    case 'invalid-policy':
      return fit(`Invalid policy: ${report.problems.map(formatProblem)[0] ?? 'unreadable'}`, more(report.problems.length - 1));
    case 'failed':
      return fit(`slo-gate failed to evaluate: ${report.message}`);
    case 'verdict':
      return describeVerdict(report.verdict);
  }
}

function describeVerdict(verdict: Verdict): string {
  if (verdict.bypass) {
    return fit(`Bypassed by label ${verdict.bypass.label} (applied by @${verdict.bypass.actor}); would be: ${wouldBe(verdict)}`);
  }
  const main = wouldBe(verdict);
  if (verdict.mode === 'warn' && verdict.wouldBe !== 'pass') return fit(`Warn mode, not enforced. ${main}`);
  return main;
}

/** What the assessment says on its own, before mode and bypass. */
function wouldBe(verdict: Verdict): string {
  const { assessment } = verdict;
  const { reasons } = assessment;
  const first = reasons[0];
  switch (assessment.state) {
    case 'block': {
      const blocking = reasons.filter(blocks);
      return fit(`Blocked: ${sentence(blocking[0]!)}`, `${more(blocking.length - 1)}${passesIn(verdict)}`);
    }
    case 'missing': {
      const missing = groupMissing(reasons).filter((r) => r.kind === 'missing-data');
      const prefix = verdict.onMissingData === 'allow' ? 'OK, missing data allowed: ' : 'Missing data: ';
      return fit(`${prefix}${sentence(missing[0]!)}`, more(missing.length - 1));
    }
    case 'warn':
      return fit(`OK, but ${sentence(first!)}`, more(reasons.filter((r) => r.kind === 'budget-low' || r.kind === 'budget-restricted').length - 1));
    case 'pass':
      // A change freeze lifted by an allowed label is what matters most in a pass.
      return fit(first?.kind === 'freeze' ? `OK: ${sentence(first)}` : okSummary(verdict));
  }
}

function okSummary({ assessment }: Verdict): string {
  const parts: string[] = [];
  if (assessment.lowestBudgetLeft !== undefined) parts.push(`${formatPercent(assessment.lowestBudgetLeft)} of error budget left`);
  if (assessment.highestBurn !== undefined) parts.push(`highest burn ${formatBurn(assessment.highestBurn)}`);
  const quiet = assessment.slos.every((s) => s.budget.noTraffic && s.rules.every((r) => r.long.noTraffic && r.short.noTraffic));
  return quiet ? 'OK: no traffic, no errors' : `OK: ${parts.join(', ')}`;
}

export function sentence(reason: Reason): string {
  switch (reason.kind) {
    case 'burn':
      return `${reason.slo} burning ${formatBurn(reason.long.burnRate, reason.factor)} over ${reason.long.window} and ${formatBurn(reason.short.burnRate, reason.factor)} over ${reason.short.window} (limit ${formatBurn(reason.factor)})`;
    case 'budget-exhausted':
      return `${reason.slo} has ${formatPercent(reason.leftPercent / 100, reason.blockBelow)} of its error budget left (blocks at ${reason.blockBelow}%)`;
    case 'budget-forecast':
      return `${reason.slo} would have ${formatPercent(reason.projectedPercent / 100, reason.blockBelow)} of its error budget left in ${reason.horizon} at the current burn (blocks at ${reason.blockBelow}%)`;
    case 'budget-frozen':
      return `${reason.slo} has ${formatPercent(reason.leftPercent / 100, reason.freezeBelow)} of its error budget left (frozen below ${reason.freezeBelow}%: only a bypass label merges)`;
    case 'budget-restricted': {
      const left = `${reason.slo} has ${formatPercent(reason.leftPercent / 100, reason.restrictBelow)} of its error budget left`;
      return reason.allowedBy
        ? `${left} (restricted below ${reason.restrictBelow}%: let through by label ${reason.allowedBy})`
        : `${left} (below ${reason.restrictBelow}% only PRs labelled ${reason.allowLabels.join(' or ')} merge)`;
    }
    case 'budget-low':
      return `${reason.slo} has ${formatPercent(reason.leftPercent / 100, reason.warnBelow)} of its error budget left (warns below ${reason.warnBelow}%)`;
    case 'missing-data':
      return `no data for ${reason.slo} (${reason.window}): ${reason.reason}`;
    case 'freeze':
      return freezeSentence(reason);
  }
}

/**
 * Folds missing-data reasons that differ only in the window ("1h", "5m", ...) into one,
 * so an unreachable server reads as one problem, not five.
 */
export function groupMissing(reasons: readonly Reason[]): Reason[] {
  const out: Reason[] = [];
  for (const reason of reasons) {
    const twin = reason.kind === 'missing-data' ? out.find((r) => r.kind === 'missing-data' && r.slo === reason.slo && r.reason === reason.reason) : undefined;
    if (twin && twin.kind === 'missing-data' && reason.kind === 'missing-data') twin.window = `${twin.window}, ${reason.window}`;
    else out.push(reason.kind === 'missing-data' ? { ...reason } : reason);
  }
  return out;
}

/** A reason that blocks on its own: a firing rule, or a budget in a tier that blocks this change. */
export function blocks(reason: Reason): boolean {
  return (
    reason.kind === 'burn' ||
    reason.kind === 'budget-exhausted' ||
    reason.kind === 'budget-forecast' ||
    reason.kind === 'budget-frozen' ||
    (reason.kind === 'budget-restricted' && !reason.allowedBy) ||
    (reason.kind === 'freeze' && !reason.allowedBy)
  );
}

/** `; passes ~15 min after errors stop` or `; passes in ~3 days` while blocked, when the gate can tell. */
function passesIn({ expectedPassInMs, expectedPassBasis }: Verdict): string {
  // A change freeze says when it ends in its own sentence.
  if (expectedPassInMs === undefined || expectedPassBasis === 'freeze ends') return '';
  const span = formatSpan(expectedPassInMs);
  return expectedPassBasis === 'budget recovers' ? `; passes in ~${span}` : `; passes ~${span} after errors stop`;
}

function more(count: number): string {
  return count > 0 ? ` (+${count} more)` : '';
}

/** Keeps the suffix ("(+2 more)") and cuts the text before it. */
function fit(text: string, suffix = ''): string {
  if (text.length + suffix.length <= MAX_DESCRIPTION) return text + suffix;
  return `${text.slice(0, MAX_DESCRIPTION - suffix.length - 1).trimEnd()}…${suffix}`;
}

import type { PolicyProblem } from '../errors.js';
import type { Report } from '../gate/report.js';
import { budgetRecoveryMs } from '../gate/recovery.js';
import type { Reason, Verdict } from '../gate/types.js';
import { POLICY_PATH } from '../policy/parse-policy.js';
import type { Scope } from '../policy/paths.js';
import type { Policy } from '../policy/schema.js';
import type { PolicyPreview } from '../targets/policy-preview.js';
import { boundComment, firstLines } from './bound.js';
import { expectedPass, goneIn, renderBudgetPolicy, renderForecast, tierAdvice } from './budget-policy.js';
import { renderGuardNotes } from './guard-notes.js';
import { groupMissing, sentence } from './describe.js';
import { explainFreeze, freezeAdvice } from './freeze.js';
import { formatBurn, formatSpan } from './numbers.js';
import { renderPolicyPreview } from './policy-preview.js';
import { notAffected, renderNotAffected, renderScope } from './scope.js';
import { renderTable } from './table.js';

/** Hidden marker that finds our summary comment again, so it is edited in place and never duplicated. */
export const COMMENT_MARKER = '<!-- slo-gate:summary -->';

/** Past these, the comment lists the first ones and counts the rest (GitHub caps a comment's size). */
const MAX_PROBLEMS = 50;
const MAX_REASONS = 20;

export interface CommentContext {
  sha: string;
  /** Bypass labels of the policy, to tell people the way out (absent when the policy could not be read). */
  bypass?: Policy['bypass'];
  /** How often a pull request that does not pass is evaluated again; absent on the command line. */
  recheckEveryMs?: number;
  /** Which SLOs gate the pull request, when the policy limits SLOs to `paths` (render/scope.ts). */
  scope?: Scope;
  /** What the pull request's own policy would do, when it changes the policy (render/policy-preview.ts). */
  preview?: PolicyPreview;
  /** The details page with burn-rate charts (PUBLIC_URL set); absent: no link. */
  detailsUrl?: string;
}

/** The pull request summary comment: headline, table, why, what to do. Pure and deterministic. */
export function renderComment(report: Report, context: CommentContext): string {
  const body =
    report.kind !== 'verdict'
      ? errorBody(report)
      : notAffected(context.scope) && report.verdict.state === 'success'
        ? renderNotAffected()
        : verdictBody(report.verdict, context);
  const explainer =
    report.kind === 'verdict'
      ? ' A burn rate of 1× spends exactly the whole error budget over the SLO period; 14.4× spends 2% of a 30-day budget in one hour.'
      : '';
  const footer = `<sub>slo-gate evaluated commit ${context.sha.slice(0, 7)} against \`${POLICY_PATH}\` from the default branch.${explainer}</sub>`;
  const details = context.detailsUrl ? ['', `📈 [Burn-rate charts and details](${context.detailsUrl})`] : [];
  return boundComment([COMMENT_MARKER, ...body, ...renderScope(context.scope), ...renderPolicyPreview(context.preview), ...details, '', footer].join('\n'));
}

function errorBody(report: Exclude<Report, { kind: 'verdict' }>): string[] {
  if (report.kind === 'failed') {
    return [
      '### ⚠️ slo-gate could not evaluate this pull request',
      '',
      `\`${report.message}\``,
      '',
      'The check is set to **error** so it does not pass silently. slo-gate tries again by itself; comment `/slo-gate recheck` to try now. If it keeps failing, tell the team that runs slo-gate.',
    ];
  }
  return [
    `### ⚠️ slo-gate: the policy \`${POLICY_PATH}\` cannot be used`,
    '',
    ...firstLines(
      report.problems.map((p) => (p.path || p.line !== undefined ? `- ${where(p)}: ${p.message}` : `- ${p.message}`)),
      MAX_PROBLEMS,
      (n) => `- … and ${n} more problems; run \`npx slo-gate validate ${POLICY_PATH}\` for the full list.`,
    ),
    '',
    `Fix \`${POLICY_PATH}\` on the default branch (or the organisation default it extends); until then this check reports an **error**. \`npx slo-gate validate ${POLICY_PATH}\` checks a policy before you commit it.`,
  ];
}

function where({ path, line }: PolicyProblem): string {
  if (!path) return `line ${line}`;
  return line === undefined ? `\`${path}\`` : `\`${path}\` (line ${line})`;
}

function verdictBody(verdict: Verdict, context: CommentContext): string[] {
  const lines = [`### ${headline(verdict)}`, ''];
  if (verdict.bypass) {
    const when = verdict.bypass.appliedAt ? ` on ${verdict.bypass.appliedAt.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}` : '';
    lines.push(
      `Bypassed by label \`${verdict.bypass.label}\`, applied by @${verdict.bypass.actor}${when}. Without the bypass the gate would have said: **${plainVerdict(verdict)}**.`,
      '',
    );
  }
  const forecastFor = new Set<string>(); // the budget forecast once per SLO, with its first burn
  const why = firstLines(
    groupMissing(verdict.assessment.reasons).map((r) => {
      const first = r.kind === 'burn' && !forecastFor.has(r.slo);
      if (first) forecastFor.add(r.slo);
      return `- ${explain(r, verdict, first)}`;
    }),
    MAX_REASONS,
    (n) => `- … and ${n} more reasons, in the table below.`,
  );
  if (why.length > 0) lines.push(...why, '');
  lines.push(renderTable(verdict), '');
  const budgetPolicy = renderBudgetPolicy(verdict, context.bypass);
  if (budgetPolicy.length > 0) lines.push(...budgetPolicy, '');
  for (const note of [...renderForecast(verdict), ...renderGuardNotes(verdict)]) lines.push(note, '');
  for (const ignored of verdict.ignoredBypass) {
    lines.push(
      ignored.actor
        ? `> The label \`${ignored.label}\` was applied by @${ignored.actor}, who has ${ignored.permission} permission; a bypass needs ${verdict.minPermission} or higher, so it is ignored.`
        : `> The label \`${ignored.label}\` is ignored: slo-gate cannot tell who applied it.`,
      '',
    );
  }
  const todo = whatToDo(verdict, context);
  if (todo.length > 0) lines.push('**What to do**', ...todo.map((t) => `- ${t}`));
  return lines;
}

function headline(verdict: Verdict): string {
  if (verdict.bypass) return '🟠 slo-gate: bypassed, merging is allowed';
  const prefix = verdict.mode === 'warn' ? 'slo-gate (warn mode, not enforced)' : 'slo-gate';
  switch (verdict.wouldBe) {
    case 'pass':
      return `🟢 ${prefix}: the error budget is healthy`;
    case 'warn':
      return `🟡 ${prefix}: OK to merge, but the error budget is running low`;
    case 'block':
      return verdict.mode === 'warn' ? `🟡 ${prefix}: would block merging` : `🔴 ${prefix}: merging is blocked`;
    case 'missing':
      return verdict.mode === 'warn' || verdict.onMissingData === 'allow'
        ? `🟡 ${prefix}: some metrics are missing (the policy lets this pass)`
        : `⚠️ ${prefix}: metrics are missing, so merging is blocked`;
  }
}

function plainVerdict(verdict: Verdict): string {
  const first = verdict.assessment.reasons[0];
  return first && verdict.wouldBe !== 'pass' ? sentence(first) : 'OK';
}

function explain(reason: Reason, verdict: Verdict, withForecast = true): string {
  if (reason.kind === 'freeze') return explainFreeze(reason, verdict);
  if (reason.kind !== 'burn' && reason.kind !== 'missing-data') {
    return `**${reason.slo}** ${sentence(reason).slice(reason.slo.length + 1)}.`;
  }
  if (reason.kind === 'missing-data') return `No data for **${reason.slo}** (${reason.window}): ${reason.reason}.`;
  const slo = verdict.assessment.slos.find((s) => s.slo.name === reason.slo);
  const base = `**${reason.slo}** is spending its error budget ${formatBurn(reason.long.burnRate, reason.factor)} as fast as it can afford over the last ${reason.long.window}, and ${formatBurn(reason.short.burnRate, reason.factor)} over the last ${reason.short.window} (rule \`${reason.rule}\` blocks above ${formatBurn(reason.factor)} on both).`;
  return slo && withForecast ? `${base}${goneIn(slo)}` : base;
}

function whatToDo(verdict: Verdict, context: CommentContext): string[] {
  if (verdict.bypass) return [];
  const todo: string[] = [];
  const reasons = verdict.assessment.reasons;
  const burning = reasons.filter((r) => r.kind === 'burn');
  if (burning.length > 0 && verdict.mode === 'enforce') {
    const r = burning[0]!;
    todo.push(
      `**Wait**: rule \`${r.rule}\` stops blocking once the burn rate over the last ${r.short.window} is back to ${formatBurn(r.factor)} or less, usually within ${r.short.window} of the errors stopping.`,
    );
    todo.push(
      `**Fix**: look at what is failing in ${[...new Set(burning.map((b) => `**${b.slo}**`))].join(', ')} right now; merging more changes while it burns adds risk.`,
    );
  }
  if (reasons.some((r) => r.kind === 'budget-exhausted') && verdict.mode === 'enforce') {
    const estimates = verdict.assessment.slos.flatMap((s) => {
      const ms = budgetRecoveryMs(s);
      return ms === undefined ? [] : [`**${s.slo.name}** in roughly ${formatSpan(ms)} at the current error rate`];
    });
    const when = estimates.length > 0 ? ` Expected back above the limit: ${estimates.join('; ')}.` : '';
    todo.push(`**Wait or slow down**: a spent budget recovers only as old errors age out of the SLO period; prioritise reliability work until it does.${when}`);
  }
  if (verdict.mode === 'enforce') todo.push(...tierAdvice(verdict, context.bypass), ...freezeAdvice(verdict));
  if (verdict.wouldBe === 'missing') {
    todo.push(
      `**Check the metrics**: each query must return exactly one series from the metrics server. Fix the queries in \`${POLICY_PATH}\`, or set \`onMissingData: allow\` if missing data should not block.`,
    );
  }
  const blocking = verdict.state !== 'success';
  // A budget's recovery time is given with the budget's own advice above.
  if (blocking && verdict.expectedPassInMs !== undefined && verdict.expectedPassBasis === 'errors stop') todo.push(expectedPass(verdict.expectedPassInMs));
  if (blocking && context.recheckEveryMs) {
    todo.push(
      `slo-gate looks again every ${formatSpan(context.recheckEveryMs)} until this passes, and on every push or label change; comment \`/slo-gate recheck\` to look now.`,
    );
  }
  if (blocking && context.bypass) {
    const labels = context.bypass.labels.map((l) => `\`${l}\``);
    todo.push(
      labels.length > 0
        ? `**Emergency**: someone with ${context.bypass.minPermission} permission or higher can add the label ${labels.join(' or ')} to let this pull request through; the bypass is recorded here.`
        : `**Emergency**: this policy has no bypass labels (\`bypass.labels\` in \`${POLICY_PATH}\`).`,
    );
  }
  return todo;
}

import { formatProblem } from '../errors.js';
import type { Report } from '../gate/report.js';
import { budgetRecoveryMs } from '../gate/recovery.js';
import type { Verdict } from '../gate/types.js';
import type { SloVerification, Verification } from '../gate/verify.js';
import { visibleName } from '../policy/environments.js';
import { POLICY_PATH } from '../policy/parse-policy.js';
import { describeReport, groupMissing, MAX_DESCRIPTION, sentence } from './describe.js';
import { formatFreezeEnd } from './freeze.js';
import { formatBurn, formatPercent, formatSpan } from './numbers.js';

/**
 * What people read about a deployment: the protection-rule decision and its progress reports
 * (GitHub keeps 1024 characters of each), the regression comment on pull requests, and the
 * `slo-gate/<env>` and `slo-gate/<env>/verify` status descriptions (140). Pure and deterministic.
 */

/** GitHub refuses a protection-rule review comment over 1024 characters. */
export const MAX_REVIEW_COMMENT = 1024;
/** Finds a regression comment again: one per deployment and environment. */
export const REGRESSION_MARKER = '<!-- slo-gate:regression';

/** An evaluation's report, or the reason nothing was evaluated. */
export type GateOutcome = Report | { kind: 'not-gated'; why: 'no-policy' | 'not-listed' };

export interface DecisionContext {
  environment: string;
  state: 'approved' | 'rejected';
  sha: string | undefined;
  /** How long the request waited for the budget before this decision. */
  waitedMs?: number;
  /** Rejected because the environment's `waitFor` ran out while still blocked. */
  timedOut?: boolean;
}

/** The comment of an approve or reject: why, with the numbers, in at most 1024 characters whatever the policy. */
export function renderProtectionDecision(outcome: GateOutcome, context: DecisionContext): string {
  const env = code(context.environment);
  const verb = context.state === 'approved' ? 'approved' : 'rejected';
  const footer = context.sha ? `<sub>slo-gate evaluated commit ${context.sha.slice(0, 7)} against \`${POLICY_PATH}\` from the default branch.</sub>` : '';
  if (outcome.kind === 'not-gated') {
    const why = outcome.why === 'no-policy' ? `this repository has no \`${POLICY_PATH}\`` : `\`${POLICY_PATH}\` does not list it under \`environments\``;
    return fitMarkdown([`### 🟢 slo-gate approved the deployment to ${env}: not gated`, '', `${env} is not gated: ${why}.`], [], []);
  }
  if (outcome.kind !== 'verdict') {
    const head = outcome.kind === 'failed' ? `slo-gate could not evaluate: \`${outcome.message}\`` : `The policy \`${POLICY_PATH}\` cannot be used:`;
    const items = outcome.kind === 'invalid-policy' ? outcome.problems.map((p) => `- ${formatProblem(p)}`) : [];
    const after = context.state === 'rejected' ? 'It is rejected so that it does not pass unchecked; re-run the job once this is fixed.' : '';
    return fitMarkdown([`### ⚠️ slo-gate ${verb} the deployment to ${env}`, '', head], items, ['', after, '', footer]);
  }
  const verdict = outcome.verdict;
  const waited =
    context.timedOut && context.waitedMs !== undefined
      ? `Waited ${formatSpan(context.waitedMs)} for the error budget to recover (\`waitFor\`), and it did not.`
      : context.waitedMs !== undefined && context.waitedMs > 0
        ? `Approved after waiting ${formatSpan(context.waitedMs)} for the error budget to recover.`
        : '';
  const description = describeReport(outcome);
  const lines = [`### ${decisionHeadline(verdict, context.state, env)}`, '', description];
  const todo = context.state === 'rejected' ? rerun(verdict, context.environment) : '';
  // The description names the first reason; when it had to be cut short, the list repeats it whole.
  const reasons = groupMissing(verdict.assessment.reasons).map((r) => `- ${sentence(r)}`);
  return fitMarkdown(lines, description.includes('…') ? reasons : reasons.slice(1), ['', ...[summary(verdict), waited, todo].filter(Boolean), '', footer]);
}

export interface ProgressContext {
  environment: string;
  /** Since the request arrived. */
  waitedMs: number;
  /** Until `waitFor` runs out and the request is rejected. */
  remainingMs: number;
  recheckEveryMs: number;
}

/** A progress report while a blocked deployment waits: what blocks, and when it may pass. At most 1024 characters. */
export function renderProgressReport(verdict: Verdict, context: ProgressContext): string {
  const head = [
    `### ⏳ slo-gate is holding the deployment to ${code(context.environment)}`,
    '',
    `${describeReport({ kind: 'verdict', verdict })}`,
    '',
    `Waited ${formatSpan(context.waitedMs)}; rejects in ${formatSpan(Math.max(0, context.remainingMs))} if still blocked. Looks again every ${formatSpan(context.recheckEveryMs)} and approves as soon as the budget allows.`,
    '',
    '**Expected to pass**',
  ];
  return fitMarkdown(head, expectations(verdict), []);
}

/** When each blocking reason may stop blocking: a rough guide for people, never a decision. */
export function expectations(verdict: Verdict): string[] {
  const out: string[] = [];
  for (const reason of groupMissing(verdict.assessment.reasons)) {
    if (reason.kind === 'burn') {
      out.push(
        `- **${reason.slo}**: rule \`${reason.rule}\` stops blocking about ${reason.short.window} after the errors stop (now ${formatBurn(reason.short.burnRate, reason.factor)} over ${reason.short.window}, limit ${formatBurn(reason.factor)})`,
      );
    } else if (reason.kind === 'budget-exhausted') {
      const slo = verdict.assessment.slos.find((s) => s.slo.name === reason.slo);
      const ms = slo && budgetRecoveryMs(slo);
      out.push(
        ms === undefined
          ? `- **${reason.slo}**: the spent budget does not recover at the current error rate`
          : `- **${reason.slo}**: budget back above ${reason.blockBelow}% in roughly ${formatSpan(ms)} at the current error rate`,
      );
    } else if (reason.kind === 'missing-data') {
      out.push(`- **${reason.slo}**: once its metrics can be read again`);
    } else if (reason.kind === 'freeze' && !reason.allowedBy) {
      out.push(`- **change freeze** (${reason.reason}): when it ends, ${formatFreezeEnd(reason.endsAt, reason.zone)}`);
    }
  }
  return out;
}

export interface RegressionContext {
  environment: string;
  sha: string;
  deploymentId: number;
  /** The checks of `verify.after`, as written, for the footer. */
  checks: string[];
}

/** The comment on each pull request that brought a regressing deployment: the numbers, the cost so far, what to do. */
export function renderRegressionComment(verification: Verification, context: RegressionContext): string {
  const since = formatSpan(verification.elapsedMs);
  const regressed = verification.slos.filter((s) => s.state === 'regression');
  const spent = regressed.flatMap((s) =>
    s.budgetSpent === undefined ? [] : [`${percentSpent(s.budgetSpent)} of **${s.slo.name}**'s ${s.slo.period} error budget`],
  );
  return [
    `${REGRESSION_MARKER} deployment=${context.deploymentId} environment=${encodeURIComponent(context.environment)} -->`,
    `### 🔴 slo-gate: the deployment of ${context.sha.slice(0, 7)} to ${code(context.environment)} looks like a regression`,
    '',
    `${capital(since)} after the deployment reported success:`,
    '',
    ...regressed.map((s) => `- ${regressionSentence(s, verification.regressionFactor, since)}`),
    '',
    '| SLO | Burn before the deploy | Burn since the deploy | Requests since | Budget spent since | Verdict |',
    '| --- | --- | --- | --- | --- | --- |',
    ...verification.slos.map(row),
    '',
    '**What to do**',
    `- **Roll back** ${code(context.environment)} to the previous deployment if this change is the cause.${spent.length > 0 ? ` So far the deployment has cost ${spent.join(', ')}, and it costs more while it stays out.` : ''}`,
    '- If the burn comes from elsewhere (a firing rule counts whoever caused it), look at what is failing right now before deploying again.',
    '',
    `<sub>slo-gate compares the burn rate over the time since the deployment reported success with the burn over the same length of time just before it, ${context.checks.join(', ')} after each deployment. A regression is a burn-rate rule firing, or a burn at least ${formatBurn(verification.regressionFactor)} the one before and above 1× on enough requests.</sub>`,
  ].join('\n');
}

/** `slo-gate/<env>`: the verdict for the environment's SLOs, in at most 140 characters. */
export function describeEnvironment(outcome: GateOutcome): string {
  if (outcome.kind === 'not-gated')
    return outcome.why === 'no-policy' ? 'Not gated: the repository has no slo-gate policy' : 'Not gated: the policy does not list this environment';
  return describeReport(outcome);
}

/** `slo-gate/<env>/verify` while checks are due. */
export function describeVerificationPending(checks: string[]): string {
  return fit(`Checking the deployment ${checks.join(', ')} after it went out`);
}

/** `slo-gate/<env>/verify` after a check, in at most 140 characters. */
export function describeVerification(verification: Verification): string {
  const since = `${formatSpan(verification.elapsedMs)} after deploy`;
  const regressed = verification.slos.filter((s) => s.state === 'regression');
  const missing = verification.slos.filter((s) => s.state === 'missing');
  switch (verification.state) {
    case 'regression': {
      const first = regressed[0]!;
      const what = first.triggers.includes('compared-to-before')
        ? `${first.slo.name} burning ${formatBurn(first.burnAfter!)} (was ${formatBurn(first.burnBefore!)})`
        : `${first.slo.name}: rule ${first.firingRules.join(', ')} firing`;
      return fit(`Regression ${since}: ${what}`, more(regressed.length - 1));
    }
    case 'missing':
      return fit(`No data ${since}: ${missing[0]!.slo.name}, ${missing[0]!.missing}`, more(missing.length - 1));
    case 'clean': {
      const highest = verification.slos.reduce<SloVerification | undefined>((a, s) => ((s.burnAfter ?? 0) > (a?.burnAfter ?? -1) ? s : a), undefined);
      return highest
        ? fit(`No regression ${since}: highest burn ${formatBurn(highest.burnAfter!)} (${highest.slo.name}, was ${formatBurn(highest.burnBefore!)})`)
        : `No regression ${since}`;
    }
  }
}

function decisionHeadline(verdict: Verdict, state: 'approved' | 'rejected', env: string): string {
  const to = `the deployment to ${env}`;
  if (state === 'rejected') return `${verdict.wouldBe === 'missing' ? '⚠️' : '🔴'} slo-gate rejected ${to}`;
  if (verdict.bypass) return `🟠 slo-gate approved ${to}: bypassed`;
  if (verdict.mode === 'warn' && verdict.wouldBe !== 'pass') return `🟡 slo-gate approved ${to} (warn mode, not enforced)`;
  return `${verdict.wouldBe === 'pass' ? '🟢' : '🟡'} slo-gate approved ${to}`;
}

function rerun(verdict: Verdict, environment: string): string {
  const check = code(`npx slo-gate evaluate --environment ${shellWord(environment)}`);
  if (verdict.wouldBe === 'missing') {
    return `Re-run the job once the metrics can be read again (\`onMissingData: allow\` in \`${POLICY_PATH}\` lets missing data pass); ${check} shows where it stands.`;
  }
  return verdict.wouldBe === 'pass' ? '' : `Re-run the job once the budget allows; ${check} shows where it stands.`;
}

function summary(verdict: Verdict): string {
  const slos = verdict.assessment.slos;
  if (slos.length <= 1) return '';
  const count = (state: string) => slos.filter((s) => s.state === state).length;
  const parts = [`${count('pass') + count('warn')} ok`, count('block') && `${count('block')} blocking`, count('missing') && `${count('missing')} without data`];
  return `${slos.length} SLOs: ${parts.filter(Boolean).join(', ')}.`;
}

function regressionSentence(s: SloVerification, factor: number, since: string): string {
  const parts: string[] = [];
  if (s.triggers.includes('compared-to-before')) {
    const requests = s.requests === undefined ? '' : ` on ${Math.round(s.requests).toLocaleString('en-US')} requests`;
    parts.push(
      `burns its error budget ${formatBurn(s.burnAfter!)} as fast as it can afford since the deploy${requests}, against ${formatBurn(s.burnBefore!)} in the ${since} before it (flagged at ${formatBurn(factor)} the burn before, and above 1×)`,
    );
  }
  if (s.triggers.includes('burn-rule'))
    parts.push(`has burn-rate rule${s.firingRules.length > 1 ? 's' : ''} ${s.firingRules.map((r) => `\`${r}\``).join(', ')} firing`);
  return `**${s.slo.name}** ${parts.join(', and ')}.`;
}

function row(s: SloVerification): string {
  const burn = (b: number | undefined) => (b === undefined ? 'no data' : formatBurn(b));
  const after = s.state === 'regression' && s.triggers.includes('compared-to-before') ? `**${burn(s.burnAfter)}**` : burn(s.burnAfter);
  const requests = s.requests === undefined ? '–' : Math.round(s.requests).toLocaleString('en-US');
  const spent = s.budgetSpent === undefined ? 'no data' : percentSpent(s.budgetSpent);
  const verdict = s.state === 'regression' ? '🔥 regression' : s.state === 'missing' ? `❓ ${s.missing ?? 'no data'}` : '✅ ok';
  return `| ${[s.slo.name, burn(s.burnBefore), after, requests, spent, verdict].map((c) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
}

/**
 * Joins head, as many items as fit (then how many were left out), and tail, within `max`
 * characters. Should head and tail alone be too long (a 255-character environment name, a
 * long error), the text is cut: GitHub would refuse it whole.
 */
function fitMarkdown(head: string[], items: string[], tail: string[], max = MAX_REVIEW_COMMENT): string {
  const join = (lines: string[]) =>
    lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim();
  const withItems = (count: number) => {
    const left = items.length - count;
    const shown = [...items.slice(0, count), ...(left > 0 ? [`- …and ${left} more`] : [])];
    return join([...head, ...(shown.length > 0 ? ['', ...shown] : []), ...tail]);
  };
  for (let count = items.length; count >= 0; count--) {
    const text = withItems(count);
    if (text.length <= max) return text;
  }
  return cut(withItems(0), max);
}

function fit(text: string, suffix = ''): string {
  return text.length + suffix.length <= MAX_DESCRIPTION ? text + suffix : cut(text, MAX_DESCRIPTION - suffix.length) + suffix;
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const character of text) {
    if (out.length + character.length > max - 1) break;
    out += character;
  }
  return `${out.trimEnd()}…`;
}

function more(count: number): string {
  return count > 0 ? ` (+${count} more)` : '';
}

function code(text: string): string {
  return `\`${visibleName(text).replace(/`/g, "'")}\``;
}

/** A small share of budget still reads as spent: 0.01 % is `<0.1%`, not `0%`. */
function percentSpent(fraction: number): string {
  return fraction > 0 && fraction < 0.001 ? '<0.1%' : formatPercent(fraction);
}

function shellWord(text: string): string {
  return /^[\w./-]+$/.test(text) ? text : JSON.stringify(text);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

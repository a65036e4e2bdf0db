import { budgetRecoveryMs } from '../gate/recovery.js';
import type { BudgetForecast, BudgetResult, SloResult, Verdict } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { formatBurn, formatPercent, formatSpan } from './numbers.js';

/**
 * The error-budget policy in the comment: every tier and label, and where each SLO stands. Pure.
 * Shown only when the policy sets a restrict or freeze tier; plain warn/block thresholds are in
 * the table already.
 */
export function renderBudgetPolicy(verdict: Verdict, bypass: Policy['bypass'] | undefined): string[] {
  const budget = verdict.assessment.slos[0]?.budget;
  if (!budget || (budget.restrictBelow === undefined && budget.freezeBelow === undefined)) return [];
  const code = (labels: readonly string[]) => labels.map((l) => `\`${l}\``).join(' or ');
  const tiers: string[] = [];
  // A warning tier that starts where the restriction does would never show on its own.
  if (budget.warnBelow !== budget.restrictBelow) tiers.push(`below ${budget.warnBelow}% left, a warning`);
  if (budget.restrictBelow !== undefined) tiers.push(`below ${budget.restrictBelow}% left, only pull requests labelled ${code(budget.allowLabels)}`);
  const bypassLabels = bypass && bypass.labels.length > 0 ? ` (${code(bypass.labels)})` : '';
  if (budget.freezeBelow !== undefined) tiers.push(`below ${budget.freezeBelow}%, only a bypass label${bypassLabels}`);
  tiers.push(`at ${budget.blockBelow}% or less, nothing`);
  const now = verdict.assessment.slos.map((s) => `**${s.slo.name}** ${standing(s.budget)}`).join('; ');
  return [`**Error-budget policy**: ${tiers.join('; ')}. Now: ${now}.`];
}

/** What to do about a budget in a tier that blocks this change, with a rough time to recover. */
export function tierAdvice(verdict: Verdict, bypass: Policy['bypass'] | undefined): string[] {
  const advice: string[] = [];
  const restricted = verdict.assessment.slos.filter((s) => s.budget.state === 'restricted' && !s.allowedBy);
  const frozen = verdict.assessment.slos.filter((s) => s.budget.state === 'frozen');
  if (restricted.length > 0) {
    const labels = restricted[0]!.budget.allowLabels.map((l) => `\`${l}\``).join(' or ');
    advice.push(
      `**Restricted**: with this little budget left, only reliability work merges. If this change is such a fix, add the label ${labels}; otherwise wait.${recovery(restricted)}`,
    );
  }
  if (frozen.length > 0) {
    const labels = bypass && bypass.labels.length > 0 ? ` (${bypass.labels.map((l) => `\`${l}\``).join(' or ')})` : '';
    advice.push(`**Frozen**: only a bypass label${labels} lets a change through until the budget recovers.${recovery(frozen)}`);
  }
  return advice;
}

function standing(budget: BudgetResult): string {
  if (budget.left === undefined) return 'no data';
  const left = `${formatPercent(budget.left)} left`;
  switch (budget.state) {
    case 'restricted':
      return `${left}, restricted`;
    case 'frozen':
      return `${left}, frozen`;
    case 'exhausted':
      return `${left}, blocked`;
    case 'low':
      return `${left}, warning`;
    default:
      return left;
  }
}

function recovery(slos: readonly SloResult[]): string {
  const estimates = slos.flatMap((s) => {
    const ms = budgetRecoveryMs(s);
    return ms === undefined ? [] : [`**${s.slo.name}** in roughly ${formatSpan(ms)} at the current error rate`];
  });
  return estimates.length > 0 ? ` Expected back over the threshold: ${estimates.join('; ')}.` : '';
}

/**
 * ` At the current net burn … the remaining budget is gone in about 2 days.`, after a burn's
 * explanation; empty when the budget is not on course to run out within the period.
 */
export function goneIn({ forecast }: SloResult): string {
  return forecast?.goneInMs === undefined ? '' : ` ${atNetBurn(forecast)}, the remaining budget is gone in about ${formatSpan(forecast.goneInMs)}.`;
}

function atNetBurn(forecast: BudgetForecast): string {
  return `At the current net burn (${formatBurn(forecast.currentBurn)} over the last ${forecast.window}, less old errors ageing out at ${formatBurn(forecast.averageBurn)})`;
}

/**
 * Where each budget is heading, for an SLO no firing rule already explains: when it runs out
 * within the period, and with `budget.horizon`, what is left at its end.
 */
export function renderForecast(verdict: Verdict): string[] {
  const lines: string[] = [];
  for (const result of verdict.assessment.slos) {
    const { forecast, budget } = result;
    if (!forecast || result.rules.some((r) => r.state === 'fires')) continue;
    if (forecast.goneInMs !== undefined) {
      lines.push(`> ${atNetBurn(forecast)}, the error budget of **${result.slo.name}** is gone in about ${formatSpan(forecast.goneInMs)}.`);
    }
    if (forecast.leftAfterHorizon !== undefined && budget.horizon !== undefined) {
      lines.push(
        `> **${result.slo.name}** would have ${formatPercent(forecast.leftAfterHorizon, budget.blockBelow)} of its error budget left in ${budget.horizon} at that net burn (\`budget.horizon\`: it blocks when that is at or below ${budget.blockBelow}%).`,
      );
    }
  }
  return lines;
}

/** The expected time to pass, in the comment's "what to do". */
export function expectedPass(ms: number): string {
  return `**Expected to pass** about ${formatSpan(ms)} after the errors stop, once the windows that block no longer hold them.`;
}

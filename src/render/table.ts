import type { RuleResult, SloResult, Verdict, WindowBurn } from '../gate/types.js';
import { budgetBar, formatBurn, formatPercent } from './numbers.js';

const VERDICT: Record<SloResult['state'], string> = { pass: '✅ ok', warn: '⚠️ budget low', block: '⛔ blocked', missing: '❓ no data' };

/** One row per SLO: objective, budget left, each rule's two windows against its limit, verdict. */
export function renderTable(verdict: Verdict): string {
  const rules = verdict.assessment.slos[0]?.rules.map((r) => r.rule) ?? [];
  const header = ['SLO', 'Objective', 'Budget left', ...rules.map((r) => `${r.name} burn ${r.long} / ${r.short} (limit ${formatBurn(r.factor)})`), 'Verdict'];
  const rows = verdict.assessment.slos.map((s) => [
    s.slo.name,
    `${s.slo.objective}% over ${s.slo.period}`,
    budgetCell(s),
    ...s.rules.map(ruleCell),
    VERDICT[s.state],
  ]);
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.map(escapeCell).join(' | ')} |`).join('\n');
}

function budgetCell({ budget }: SloResult): string {
  if (budget.left === undefined) return 'no data';
  if (budget.noTraffic) return `${budgetBar(1)} 100% (no traffic)`;
  const text = `${budgetBar(budget.left)} ${formatPercent(budget.left)}`;
  return budget.state === 'exhausted' ? `**${text}** (blocks at ${budget.blockBelow}%)` : text;
}

function ruleCell({ rule, long, short, state }: RuleResult): string {
  const text = `${windowCell(long, rule.factor)} / ${windowCell(short, rule.factor)}`;
  return state === 'fires' ? `**${text}** 🔥` : text;
}

function windowCell(w: WindowBurn, factor: number): string {
  if (w.burnRate === undefined) return 'no data';
  return w.noTraffic ? '0× (no traffic)' : formatBurn(w.burnRate, factor);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

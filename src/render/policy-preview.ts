import type { PolicyProblem } from '../errors.js';
import type { SloState } from '../gate/types.js';
import { POLICY_PATH } from '../policy/parse-policy.js';
import type { BacktestSide, PolicyPreview, PreviewSide, SloNow } from '../targets/policy-preview.js';
import { firstLines } from './bound.js';
import { formatPercent } from './numbers.js';

const MAX_PROBLEMS = 30;
const MAX_SLOS = 50;

/**
 * The "Policy preview" section of the summary comment, for a pull request that changes the policy:
 * the new policy's problems, or what it says now next to the policy in force, and a backtest of
 * both. Says plainly that the gate above did not use it. Nothing without a preview. Pure.
 */
export function renderPolicyPreview(preview: PolicyPreview | undefined): string[] {
  if (!preview) return [];
  const when = preview.at.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
  const lines = [
    '',
    '#### Policy preview',
    '',
    `This pull request changes \`${POLICY_PATH}\`. The gate above still uses the default branch's policy; this is what the new one would do once merged (as of ${when}).`,
    '',
  ];
  if (preview.failed) return [...lines, `⚠️ The preview could not be made: ${preview.failed}. slo-gate tries again on its next look.`];
  lines.push(...preview.notes.map((note) => `> ${note}`), ...(preview.notes.length > 0 ? [''] : []));
  switch (preview.proposed?.kind) {
    case 'removed':
      return [
        ...lines,
        `This pull request deletes \`${POLICY_PATH}\`: once merged, the organisation default in \`.github\` applies, or, without one, the repository is not gated.`,
      ];
    case 'invalid':
      return [
        ...lines,
        '⛔ **The new policy cannot be used.** Once merged, every pull request would get an **error** until it is fixed:',
        ...firstLines(preview.proposed.problems.map(problemLine), MAX_PROBLEMS, (n) => `- … and ${n} more problems.`),
      ];
    default:
      return [...lines, ...nowTable(preview), '', ...backtestLines(preview)];
  }
}

function problemLine({ path, line, message }: PolicyProblem): string {
  const where = path ? `\`${path}\`${line === undefined ? '' : ` (line ${line})`}` : line === undefined ? '' : `line ${line}`;
  return where ? `- ${where}: ${message}` : `- ${message}`;
}

function nowTable({ now }: PolicyPreview): string[] {
  if (!now) return [];
  const names = [...new Set([...slosOf(now.current), ...slosOf(now.proposed)].map((s) => s.slo))];
  const rows = names.map((name) => `| ${name} | ${cell(now.current, name)} | ${cell(now.proposed, name)} |`);
  return [
    '**Now**',
    '',
    '| SLO | current policy | new policy |',
    '| --- | --- | --- |',
    ...firstLines(rows, MAX_SLOS, (n) => `| … and ${n} more SLOs | | |`),
    `| **gate** | ${overall(now.current)} | ${overall(now.proposed)} |`,
  ];
}

const slosOf = (side: PreviewSide): SloNow[] => (side.kind === 'judged' ? side.slos : []);

function cell(side: PreviewSide, name: string): string {
  if (side.kind !== 'judged') return '';
  const slo = side.slos.find((s) => s.slo === name);
  if (!slo) return '—';
  const left = slo.budgetLeft === undefined ? '' : slo.budgetLeft <= 0 ? ', budget spent' : `, ${formatPercent(slo.budgetLeft)} of budget left`;
  return `${STATE_TEXT[slo.state]}${left}`;
}

const STATE_TEXT: Record<SloState, string> = { pass: '🟢 passes', warn: '🟡 passes, budget low', block: '⛔ blocks', missing: '⚠️ no data' };

function overall(side: PreviewSide): string {
  switch (side.kind) {
    case 'unusable':
      return 'cannot be used';
    case 'failed':
      return `could not be judged: ${side.message}`;
    case 'judged':
      return side.state === 'success' ? '**success**' : `**${side.state}**`;
  }
}

function backtestLines({ backtest }: PolicyPreview): string[] {
  if (!backtest) return [];
  if ('unavailable' in backtest) return [`No backtest: ${backtest.unavailable}.`];
  const { current, proposed, days } = backtest;
  const lines = [
    `**Backtest** over the last ${days} days, every 5 minutes, as if enforced and without bypass labels`,
    '',
    '| | current policy | new policy | difference |',
    '| --- | --- | --- | --- |',
    `| blocked | ${blocked(current)} | ${blocked(proposed)} | ${difference(current, proposed, 'secondsBlocked')} |`,
    `| no data (error) | ${inError(current)} | ${inError(proposed)} | ${difference(current, proposed, 'secondsInError')} |`,
  ];
  for (const [label, side] of [
    ['current policy', current],
    ['new policy', proposed],
  ] as const) {
    if (side.kind === 'failed') lines.push('', `⚠️ The backtest of the ${label} failed: ${side.message}.`);
  }
  return lines;
}

function blocked(side: BacktestSide): string {
  if (side.kind !== 'ran') return side.kind === 'failed' ? 'failed' : 'cannot be used';
  const { secondsBlocked, episodes } = side.figures;
  return `${minutes(secondsBlocked)} in ${episodes} episode${episodes === 1 ? '' : 's'}`;
}

function inError(side: BacktestSide): string {
  return side.kind === 'ran' ? minutes(side.figures.secondsInError) : '—';
}

/** New minus current: minutes, and for the blocked row the episodes too. */
function difference(current: BacktestSide, proposed: BacktestSide, figure: 'secondsBlocked' | 'secondsInError'): string {
  if (current.kind !== 'ran' || proposed.kind !== 'ran') return '—';
  const seconds = proposed.figures[figure] - current.figures[figure];
  const episodes = figure === 'secondsBlocked' ? proposed.figures.episodes - current.figures.episodes : 0;
  if (Math.round(seconds / 60) === 0 && episodes === 0) return 'the same';
  const sign = (n: number) => (n > 0 ? '+' : n < 0 ? '−' : '±');
  const time = `${sign(seconds)}${minutes(Math.abs(seconds))}`;
  return figure === 'secondsBlocked' ? `${time}, ${sign(episodes)}${Math.abs(episodes)} episode${Math.abs(episodes) === 1 ? '' : 's'}` : time;
}

function minutes(seconds: number): string {
  return `${Math.round(seconds / 60).toLocaleString('en')} min`;
}

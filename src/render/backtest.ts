import type { BlockReason, BlockingState, Episode, Timeline } from '../backtest/timeline.js';
import type { BudgetTier } from '../gate/types.js';
import type { TimeRange } from '../metrics/range-source.js';
import { formatPercent } from './numbers.js';
import { formatDuration } from '../policy/duration.js';
import type { Policy } from '../policy/schema.js';

/** A finished backtest and what it was asked. */
export interface BacktestReport {
  /** The policy file, as given on the command line. */
  policyFile: string;
  mode: Policy['mode'];
  range: TimeRange;
  timeline: Timeline;
}

/**
 * `slo-gate backtest --json`. Times are RFC 3339 in UTC; `minutes` is rounded to 0.01 and hours
 * to 0.001. Reasons are `{kind: 'burn', slo, rule}`, `{kind: 'budget-exhausted', slo}` or
 * `{kind: 'missing-data', slo, reason}`. Documented in the README: add fields, never rename them.
 */
export interface BacktestJson {
  policy: string;
  from: string;
  to: string;
  stepSeconds: number;
  steps: number;
  episodes: Array<{ start: string; end: string; minutes: number; state: BlockingState; reasons: BlockReason[] }>;
  totals: {
    steps: number;
    episodes: number;
    hoursBlocked: number;
    hoursInError: number;
    stepsWarned: number;
    lowestBudgetLeftPercent: number | null;
    /** Hours in each budget tier (the lowest of any SLO), to 0.001 h. */
    hoursByTier: Record<BudgetTier, number>;
  };
}

export function backtestJson({ policyFile, range, timeline }: BacktestReport): BacktestJson {
  const { totals } = timeline;
  return {
    policy: policyFile,
    from: range.start.toISOString(),
    to: range.end.toISOString(),
    stepSeconds: range.stepSeconds,
    steps: totals.steps,
    episodes: timeline.episodes.map((e) => ({
      start: iso(e.start),
      end: iso(e.end),
      minutes: round((e.end - e.start) / 60, 2),
      state: e.state,
      reasons: e.reasons,
    })),
    totals: {
      steps: totals.steps,
      episodes: totals.episodes,
      hoursBlocked: round(totals.secondsBlocked / 3600, 3),
      hoursInError: round(totals.secondsInError / 3600, 3),
      stepsWarned: totals.stepsWarned,
      lowestBudgetLeftPercent: totals.lowestBudgetLeft === undefined ? null : round(totals.lowestBudgetLeft * 100, 2),
      hoursByTier: Object.fromEntries(TIERS.map((tier) => [tier, round((totals.secondsByTier?.[tier] ?? 0) / 3600, 3)])) as Record<BudgetTier, number>,
    },
  };
}

/** For people: what was replayed, one line per episode, then the totals. */
export function renderBacktest({ policyFile, mode, range, timeline }: BacktestReport): string {
  const { episodes, totals } = timeline;
  const step = formatDuration(Math.round(range.stepSeconds * 1000));
  const enforced = mode === 'warn' ? ' The policy is in warn mode: this is what enforcing it would do.' : '';
  const header = `Backtest of ${policyFile} from ${when(range.start)} to ${when(range.end)} UTC, every ${step}: ${plural(totals.steps, 'step')}.${enforced}`;
  const budget = budgetLine(totals);
  if (episodes.length === 0) return [header, 'It would not have blocked at any step.', ...budget].join('\n');

  const spans = episodes.map((e) => `${when(dateOf(e.start))} → ${when(dateOf(e.end), dateOf(e.start))} UTC`);
  const lengths = episodes.map((e) => formatLength(e.end - e.start));
  const lines = episodes.map((e, i) => `${spans[i]!.padEnd(width(spans))}  ${lengths[i]!.padEnd(width(lengths))}  ${what(e)}`);
  const rangeSeconds = (range.end.getTime() - range.start.getTime()) / 1000;
  const share = (seconds: number) => `${formatLength(seconds)} (${percent(seconds, rangeSeconds)})`;
  const summary = `${plural(totals.episodes, 'episode')}: blocked ${share(totals.secondsBlocked)}, error ${share(totals.secondsInError)} of ${formatLength(rangeSeconds)}.`;
  return [header, '', ...lines, '', summary, ...budget].join('\n');
}

const TIERS: BudgetTier[] = ['ok', 'low', 'restricted', 'frozen', 'exhausted'];
const TIER_NAMES: Record<BudgetTier, string> = { ok: 'ok', low: 'warning', restricted: 'restricted', frozen: 'frozen', exhausted: 'spent' };

/** Warnings never block, so they are not episodes; without these lines a budget running low would not show. */
function budgetLine({ lowestBudgetLeft, stepsWarned, secondsByTier }: BacktestReport['timeline']['totals']): string[] {
  if (lowestBudgetLeft === undefined) return [];
  const warned = stepsWarned > 0 ? `; ${plural(stepsWarned, 'step')} passed with a low-budget warning` : '';
  const lines = [`Lowest error budget left: ${formatPercent(lowestBudgetLeft)}${warned}.`];
  const total = TIERS.reduce((sum, tier) => sum + (secondsByTier?.[tier] ?? 0), 0);
  // Only when the budget left the `ok` tier at all: "ok 100%" would be noise on every healthy run.
  if (secondsByTier && total > secondsByTier.ok) {
    const spent = TIERS.filter((tier) => secondsByTier[tier] > 0).map(
      (tier) => `${TIER_NAMES[tier]} ${formatLength(secondsByTier[tier])} (${percent(secondsByTier[tier], total)})`,
    );
    lines.push(`Time in each budget tier: ${spent.join(', ')}.`);
  }
  return lines;
}

const BUDGET_REASONS = {
  'budget-exhausted': 'budget',
  'budget-forecast': 'budget forecast',
  'budget-frozen': 'budget frozen',
  'budget-restricted': 'budget restricted',
} as const;

function what(episode: Episode): string {
  const bySlo = new Map<string, string[]>();
  const frozen = episode.reasons.flatMap((r) => (r.kind === 'freeze' ? [`change freeze "${r.reason}" (freeze[${r.window}])`] : []));
  for (const reason of episode.reasons) {
    if (reason.kind === 'freeze') continue;
    const text = reason.kind === 'burn' ? reason.rule : reason.kind === 'missing-data' ? `missing data: ${reason.reason}` : BUDGET_REASONS[reason.kind];
    bySlo.set(reason.slo, [...(bySlo.get(reason.slo) ?? []), text]);
  }
  const reasons = [...frozen, ...[...bySlo].map(([slo, texts]) => `${slo} ${texts.join(', ')}`)].join('; ');
  return `${episode.state === 'failure' ? 'blocked' : 'error'}: ${reasons}`;
}

/** `2026-11-20 14:05`, with seconds when they are not zero; only the time when `sameDayAs` is on the same day. */
function when(date: Date, sameDayAs?: Date): string {
  const iso = date.toISOString();
  const time = iso.slice(11, date.getUTCSeconds() === 0 && date.getUTCMilliseconds() === 0 ? 16 : 19);
  return sameDayAs && sameDayAs.toISOString().slice(0, 10) === iso.slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** `35 min`, `2 h 5 min`, `3 d 4 h`, `45 s`: every unit that is not zero, to the second. */
export function formatLength(seconds: number): string {
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['min', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${unit}`);
    rest -= count * size;
  }
  return parts.join(' ') || '0 min';
}

function percent(part: number, whole: number): string {
  const value = whole > 0 ? (part / whole) * 100 : 0;
  return `${value > 0 && value < 0.1 ? '<0.1' : round(value, 1)}%`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function width(texts: string[]): number {
  return Math.max(...texts.map((t) => t.length));
}

/** Unix seconds (to the millisecond) as a Date; rounded, as Date would cut 1.5e12 - 1e-4 down a millisecond. */
function dateOf(seconds: number): Date {
  return new Date(Math.round(seconds * 1000));
}

function iso(seconds: number): string {
  return dateOf(seconds).toISOString();
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

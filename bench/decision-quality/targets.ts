/**
 * The issue's targets for the default policy, judged against what it did: incident rows on the
 * median over seeds (and only if no seed blocked in the healthy hours before the incident),
 * no-false-block rows on every seed. Reported met / not met, never thrown. Pure.
 */
import type { Aggregate, GateSummary, Minutes } from './aggregate.js';
import type { GateName } from './replay.js';
import type { BenchScenario, Target } from './scenarios.js';

export interface TargetResult {
  scenario: BenchScenario;
  rps: number;
  target: Target;
  /** The target in words. */
  goal: string;
  /** What the gate did, in words. */
  measured: string;
  met: boolean;
}

export function judgeTargets(aggregates: readonly Aggregate[], gate: GateName = 'slo-gate'): TargetResult[] {
  const results: TargetResult[] = [];
  for (const aggregate of aggregates) {
    const { scenario, rps } = aggregate;
    const { target } = scenario;
    if (!target || !(scenario.targetAt ?? [scenario.rps]).includes(rps)) continue;
    results.push({ scenario, rps, target, ...judge(target, aggregate.gates[gate], aggregate.seeds) });
  }
  return results;
}

function judge(target: Target, s: GateSummary, seeds: number): { goal: string; measured: string; met: boolean } {
  const before = s.falseBlocks.seeds > 0 ? `; blocked before the incident on ${s.falseBlocks.seeds} of ${seeds} seeds` : '';
  const clean = s.falseBlocks.seeds === 0;
  switch (target.kind) {
    case 'blocks-within': {
      const blocks = s.blocksAfter!;
      const reopens = target.reopensWithin === undefined ? undefined : s.reopens;
      const reopenOk = reopens === undefined || (typeof reopens.median === 'number' && reopens.median <= target.reopensWithin!);
      const goal = `blocks ≤ ${target.minutes} min after it starts${target.reopensWithin === undefined ? '' : `, reopens ≤ ${target.reopensWithin} min after it ends`}`;
      const reopenText = target.reopensWithin === undefined ? '' : `, reopened ${reopens ? minutes(reopens.median) : 'never blocked'} after the end`;
      return {
        goal,
        measured: `blocked ${after(blocks.median)} after the start (median; worst seed ${after(blocks.worst)})${reopenText}${before}`,
        met: within(blocks.median, target.minutes) && reopenOk && clean,
      };
    }
    case 'stays-blocked': {
      const open = s.openAfterFirstBlock;
      return {
        goal: `open ≤ ${Math.round(target.openShare * 100)} % of the incident after the first block`,
        measured: open
          ? `open ${Math.round(open.share * 100)} % of it after the first block (median; ${Math.round(open.minutes)} min)${before}`
          : `never blocked${before}`,
        met: open !== undefined && open.share <= target.openShare + 1e-9 && clean,
      };
    }
    case 'never-blocks':
      return {
        goal: '0 blocked minutes, every seed',
        measured: `${s.falseBlocks.worst} blocked min on the worst seed; ${s.falseBlocks.seeds} of ${seeds} seeds blocked at all`,
        met: s.falseBlocks.worst === 0,
      };
    case 'blocked-per-day':
      return {
        goal: `≤ ${target.mean} blocked min/day (mean), ≤ ${target.worst} (worst seed)`,
        measured: `${round(s.falseBlocks.mean)} min/day mean, ${s.falseBlocks.worst} on the worst seed`,
        met: s.falseBlocks.mean <= target.mean && s.falseBlocks.worst <= target.worst,
      };
  }
}

function within(value: Minutes, limit: number): boolean {
  return typeof value === 'number' && value <= limit;
}

function after(value: Minutes): string {
  return value === 'never' ? 'never' : minutes(value);
}

function minutes(value: number | 'still blocked'): string {
  return value === 'still blocked' ? 'still blocked at the end' : `${Math.round(value)} min`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

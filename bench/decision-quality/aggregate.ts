/**
 * Folds the runs of one scenario at one traffic level (one per seed) into the figures the section
 * prints: the median and the worst seed of each score, the mean of the minute counts. Pure.
 */
import { median } from '../support/stats.js';
import { GATES, type GateName, type Run } from './replay.js';
import type { BenchScenario } from './scenarios.js';

/** `never` (it did not block) sorts after every number: it is the worst answer to "how soon". */
export type Minutes = number | 'never';

export interface GateSummary {
  /** Minutes from the start to the first block: median over seeds, worst seed, seeds that never blocked. */
  blocksAfter: { median: Minutes; worst: Minutes; never: number } | undefined;
  /** Minutes from the end to reopening: median and worst seed (only over seeds that blocked). */
  reopens: { median: number | 'still blocked'; worst: number | 'still blocked' } | undefined;
  /** Open minutes during the incident after the first block (median over seeds that blocked), and their share of that time (median over all seeds, 1 for a seed that never blocked). */
  openAfterFirstBlock: { minutes: number; share: number } | undefined;
  /** Blocked minutes during and after the incident: mean over seeds. */
  blockedDuring: number;
  blockedAfter: number;
  /** Blocked minutes with no incident (before it, or anywhere without one): mean, worst seed, seeds with any. */
  falseBlocks: { mean: number; worst: number; seeds: number };
  /** Separate blocks: mean over seeds. */
  blocks: number;
  /** Blocked minutes per reason (slo-gate), mean over seeds. */
  reasonMinutes: Array<[reason: string, minutes: number]>;
  /** What was still blocking just before it reopened, on the median seed's run. */
  lastReasons: readonly string[];
}

export interface Aggregate {
  scenario: BenchScenario;
  rps: number;
  seeds: number;
  gates: Record<GateName, GateSummary>;
  /** slo-gate's budget left over every seed and step, and the steps it warned at (all seeds). */
  budget: { lowest: number | undefined; highest: number | undefined; warnSteps: number; steps: number };
}

export function aggregate(runs: readonly Run[]): Aggregate {
  const first = runs[0];
  if (!first) throw new Error('no runs to aggregate');
  const gates = Object.fromEntries(GATES.map((gate) => [gate, summarize(runs, gate)])) as Record<GateName, GateSummary>;
  const lows = runs.flatMap((r) => (r.budget.lowest === undefined ? [] : [r.budget.lowest]));
  const highs = runs.flatMap((r) => (r.budget.highest === undefined ? [] : [r.budget.highest]));
  return {
    scenario: first.scenario,
    rps: first.rps,
    seeds: runs.length,
    gates,
    budget: {
      lowest: lows.length > 0 ? Math.min(...lows) : undefined,
      highest: highs.length > 0 ? Math.max(...highs) : undefined,
      warnSteps: sum(runs.map((r) => r.budget.warnSteps)),
      steps: sum(runs.map((r) => r.budget.steps)),
    },
  };
}

function summarize(runs: readonly Run[], gate: GateName): GateSummary {
  const scores = runs.map((r) => r.scores[gate]);
  const incident = runs[0]!.scenario.incident !== undefined;
  const after = scores.map((s): Minutes => s.blocksAfter ?? 'never');
  const reopened = scores.flatMap((s) => (typeof s.reopens === 'number' || s.reopens === 'still blocked' ? [s.reopens] : []));
  const caught = scores.filter((s) => s.openAfterFirstBlock !== undefined && s.afterFirstBlock !== undefined);
  const reasonMinutes = new Map<string, number>();
  for (const s of scores)
    for (const [reason, minutes] of s.reasonMinutes) reasonMinutes.set(reason, (reasonMinutes.get(reason) ?? 0) + minutes / scores.length);
  const falseMinutes = scores.map((s) => s.blockedWithoutIncident);
  const medianRun = scores[Math.floor(scores.length / 2)]!;
  return {
    blocksAfter: incident ? { median: middle(after), worst: worst(after), never: after.filter((m) => m === 'never').length } : undefined,
    reopens: incident && reopened.length > 0 ? { median: middle(reopened), worst: worst(reopened) } : undefined,
    // A seed that never blocked during the incident was open all of it: share 1.
    openAfterFirstBlock:
      incident && caught.length > 0
        ? {
            minutes: median(caught.map((s) => s.openAfterFirstBlock!))!,
            share: median(scores.map((s) => (s.openAfterFirstBlock === undefined || !s.afterFirstBlock ? 1 : s.openAfterFirstBlock / s.afterFirstBlock)))!,
          }
        : undefined,
    blockedDuring: mean(scores.map((s) => s.blockedDuring)),
    blockedAfter: mean(scores.map((s) => s.blockedAfter)),
    falseBlocks: { mean: mean(falseMinutes), worst: Math.max(...falseMinutes), seeds: falseMinutes.filter((m) => m > 0).length },
    blocks: mean(scores.map((s) => s.blocks)),
    reasonMinutes: [...reasonMinutes],
    lastReasons: medianRun.lastReasons,
  };
}

/** The median by nearest rank, with `never` / `still blocked` above every number. */
function middle<T extends number | string>(values: readonly T[]): T {
  const sorted = [...values].sort(byWorst);
  return sorted[Math.max(0, Math.ceil(sorted.length / 2) - 1)]!;
}

function worst<T extends number | string>(values: readonly T[]): T {
  return [...values].sort(byWorst).at(-1)!;
}

function byWorst(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return typeof a === 'number' ? -1 : typeof b === 'number' ? 1 : 0;
}

function mean(values: readonly number[]): number {
  return values.length > 0 ? sum(values) / values.length : 0;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

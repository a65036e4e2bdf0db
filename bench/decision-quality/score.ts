/**
 * Scores one gate's replay of one scenario: when it blocked relative to the incident, and how many
 * minutes it blocked during, after and outside it. Pure: steps in, numbers out.
 */
import type { Timeline } from '../../src/backtest/timeline.js';
import type { StepVerdict } from './baseline-gates.js';

/** A gate's verdict at every replay step, and for slo-gate what blocked (rule names, `budget`). */
export interface GateSteps {
  at: readonly number[];
  verdicts: readonly StepVerdict[];
  reasons?: readonly (readonly string[])[];
}

export interface Score {
  /** Minutes from the incident's start to the first blocked step at or after it; undefined: never. */
  blocksAfter: number | undefined;
  /**
   * Minutes from the incident's end to the first open step after the gate's last block during it
   * (or, if it first blocked after the end, after that block); negative: it had reopened before
   * the end. A later block (noise) does not move it: those minutes are in `blockedAfter`.
   * `still blocked` at the window's end; `never blocked` at or after the incident's start.
   */
  reopens: number | 'still blocked' | 'never blocked';
  /** Blocked minutes in [start, end), in [end, window end], and before the start (or anywhere, with no incident). */
  blockedDuring: number;
  blockedAfter: number;
  blockedWithoutIncident: number;
  /**
   * Open minutes during the incident after the gate first blocked it, so that twelve short
   * blocks do not read as "caught"; undefined when it never blocked during the incident.
   */
  openAfterFirstBlock: number | undefined;
  /** Minutes from the first block to the incident's end (what `openAfterFirstBlock` is a share of). */
  afterFirstBlock: number | undefined;
  /** Separate runs of blocked steps. */
  blocks: number;
  noDataSteps: number;
  /** Blocked minutes per reason, in order of first appearance. */
  reasonMinutes: Array<[reason: string, minutes: number]>;
  /** What blocked at the step before the gate reopened (with no incident: the last blocked step). */
  lastReasons: readonly string[];
}

/** Absolute Unix seconds. */
export interface Span {
  start: number;
  end: number;
}

export function score(steps: GateSteps, incident: Span | undefined, stepSeconds: number): Score {
  const minutes = (count: number) => (count * stepSeconds) / 60;
  const blockedAt = steps.at.filter((_, i) => steps.verdicts[i] === 'blocked');
  const count = (test: (at: number) => boolean) => minutes(blockedAt.filter(test).length);
  const reasonMinutes = new Map<string, number>();
  steps.reasons?.forEach((labels) => labels.forEach((label) => reasonMinutes.set(label, (reasonMinutes.get(label) ?? 0) + minutes(1))));
  let lastIndex = steps.verdicts.lastIndexOf('blocked');

  let blocksAfter: number | undefined;
  let reopens: Score['reopens'] = 'never blocked';
  let openAfterFirstBlock: number | undefined;
  let afterFirstBlock: number | undefined;
  if (incident) {
    const first = blockedAt.find((at) => at >= incident.start);
    blocksAfter = first === undefined ? undefined : (first - incident.start) / 60;
    if (first !== undefined && first < incident.end) {
      openAfterFirstBlock = minutes(steps.at.filter((at, i) => at > first && at < incident.end && steps.verdicts[i] !== 'blocked').length);
      afterFirstBlock = (incident.end - first) / 60;
    }
    const during = steps.at.findLastIndex((at, i) => at >= incident.start && at < incident.end && steps.verdicts[i] === 'blocked');
    const held = during >= 0 ? during : steps.at.findIndex((at, i) => at >= incident.start && steps.verdicts[i] === 'blocked');
    if (held >= 0) {
      const open = steps.verdicts.findIndex((v, i) => i > held && v !== 'blocked');
      reopens = open < 0 ? 'still blocked' : (steps.at[open]! - incident.end) / 60;
      lastIndex = open < 0 ? steps.at.length - 1 : open - 1;
    }
  }
  return {
    blocksAfter,
    reopens,
    blockedDuring: incident ? count((at) => at >= incident.start && at < incident.end) : 0,
    blockedAfter: incident ? count((at) => at >= incident.end) : 0,
    blockedWithoutIncident: incident ? count((at) => at < incident.start) : count(() => true),
    openAfterFirstBlock,
    afterFirstBlock,
    blocks: steps.verdicts.filter((v, i) => v === 'blocked' && steps.verdicts[i - 1] !== 'blocked').length,
    noDataSteps: steps.verdicts.filter((v) => v === 'no data').length,
    reasonMinutes: [...reasonMinutes],
    lastReasons: lastIndex < 0 ? [] : (steps.reasons?.[lastIndex] ?? []),
  };
}

/**
 * slo-gate's backtest timeline as a verdict per step: a `failure` episode blocks, with its rules
 * (or `budget`) as reasons; an `error` episode (missing data) is `no data`, though it too would
 * hold a required check.
 */
const BUDGET_LABELS = {
  'budget-exhausted': 'budget',
  'budget-forecast': 'budget forecast',
  'budget-frozen': 'budget frozen',
  'budget-restricted': 'budget restricted',
  freeze: 'change freeze',
} as const;

export function stepsOfTimeline(timeline: Timeline, at: readonly number[], stepSeconds: number): GateSteps {
  const verdicts: StepVerdict[] = at.map(() => 'open');
  const reasons: string[][] = at.map(() => []);
  for (const episode of timeline.episodes) {
    const labels = episode.reasons.map((r) => (r.kind === 'burn' ? r.rule : r.kind === 'missing-data' ? 'missing data' : BUDGET_LABELS[r.kind]));
    for (let i = 0; i < episode.steps; i++) {
      const index = Math.round((episode.start - at[0]! + i * stepSeconds) / stepSeconds);
      if (index < 0 || index >= at.length) throw new RangeError(`episode step ${episode.start + i * stepSeconds} is outside the replay`);
      verdicts[index] = episode.state === 'failure' ? 'blocked' : 'no data';
      reasons[index] = labels;
    }
  }
  return { at, verdicts, reasons };
}

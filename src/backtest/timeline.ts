import type { BudgetTier, GateState, Verdict } from '../gate/types.js';

/** The commit statuses that keep a pull request from merging. */
export type BlockingState = Exclude<GateState, 'success'>;

/** What blocked: a firing rule, a spent, frozen or restricted budget, or (for `error`) an SLO with missing data. */
export type BlockReason =
  | { kind: 'burn'; slo: string; rule: string }
  | { kind: 'budget-exhausted' | 'budget-forecast' | 'budget-frozen' | 'budget-restricted'; slo: string }
  | { kind: 'missing-data'; slo: string; reason: string }
  /** A change-freeze window of `freeze:` (its index) was in force: it names no SLO. */
  | { kind: 'freeze'; slo?: undefined; window: number; reason: string };

/** A stretch of consecutive steps that blocked with the same state for the same reasons. */
export interface Episode {
  /** The first step that blocked, in Unix seconds. */
  start: number;
  /** The first step that no longer blocked this way (it passed, or blocked otherwise), or the range end. */
  end: number;
  state: BlockingState;
  /** In the verdict's order. A missing-data reason says why as of the episode's first step. */
  reasons: BlockReason[];
  /** How many steps the episode spans. */
  steps: number;
}

export interface Timeline {
  episodes: Episode[];
  totals: {
    /** Steps evaluated. */
    steps: number;
    episodes: number;
    /** Seconds in `failure` episodes (a rule fired or a budget was spent). */
    secondsBlocked: number;
    /** Seconds in `error` episodes (missing data). */
    secondsInError: number;
    /** Steps that passed with a warning: a budget left below `budget.warnBelow`. */
    stepsWarned: number;
    /** Lowest budget left over every step and SLO, as a fraction; undefined when none was measured. */
    lowestBudgetLeft: number | undefined;
    /**
     * Seconds spent in each budget tier (the lowest of any SLO at a step), each step counting until
     * the next one; steps without a measured budget count in none.
     */
    secondsByTier?: Record<BudgetTier, number>;
  };
}

/**
 * Folds the verdict at each step into block episodes. Each step stands for the time until the
 * next step; the last one until `end` (the range end, in Unix seconds). Pure: steps in, episodes out.
 */
export function buildTimeline(steps: Iterable<readonly [at: number, verdict: Verdict]>, end: number): Timeline {
  const episodes: Episode[] = [];
  let open: { episode: Episode; key: string } | undefined;
  let count = 0;
  let warned = 0;
  let lowest: number | undefined;
  let previous = -Infinity;
  let previousTier: BudgetTier | undefined;
  const byTier: Record<BudgetTier, number> = { ok: 0, low: 0, restricted: 0, frozen: 0, exhausted: 0 };
  for (const [at, verdict] of steps) {
    if (!(at > previous) || at > end) throw new RangeError(`steps must be in order and not after the end: ${at} after ${previous}, end ${end}`);
    if (previousTier) byTier[previousTier] += at - previous;
    previousTier = verdict.assessment.tier;
    previous = at;
    count++;
    if (verdict.state === 'success' && verdict.wouldBe === 'warn') warned++;
    const left = verdict.assessment.lowestBudgetLeft;
    if (left !== undefined && (lowest === undefined || left < lowest)) lowest = left;
    const blocked = blockOf(verdict);
    if (open && open.key === blocked?.key) {
      open.episode.steps++;
      continue;
    }
    if (open) open.episode.end = at;
    open = blocked && { episode: { start: at, end, state: blocked.state, reasons: blocked.reasons, steps: 1 }, key: blocked.key };
    if (open) episodes.push(open.episode);
  }

  if (previousTier) byTier[previousTier] += end - previous;
  const seconds = (state: BlockingState) => episodes.filter((e) => e.state === state).reduce((sum, e) => sum + (e.end - e.start), 0);
  return {
    episodes,
    totals: {
      steps: count,
      episodes: episodes.length,
      secondsBlocked: seconds('failure'),
      secondsInError: seconds('error'),
      stepsWarned: warned,
      lowestBudgetLeft: lowest,
      secondsByTier: byTier,
    },
  };
}

/** Why one step blocks, with a key that is equal exactly when two steps block the same way. */
function blockOf(verdict: Verdict): { state: BlockingState; reasons: BlockReason[]; key: string } | undefined {
  if (verdict.state === 'success') return undefined;
  const reasons: BlockReason[] = [];
  for (const reason of verdict.assessment.reasons) {
    if (verdict.state === 'failure' && reason.kind === 'freeze' && !reason.allowedBy)
      reasons.push({ kind: 'freeze', window: reason.window, reason: reason.reason });
    if (verdict.state === 'failure' && reason.kind === 'burn') reasons.push({ kind: 'burn', slo: reason.slo, rule: reason.rule });
    if (verdict.state === 'failure' && (reason.kind === 'budget-exhausted' || reason.kind === 'budget-forecast' || reason.kind === 'budget-frozen')) {
      reasons.push({ kind: reason.kind, slo: reason.slo });
    }
    if (verdict.state === 'failure' && reason.kind === 'budget-restricted' && !reason.allowedBy) reasons.push({ kind: reason.kind, slo: reason.slo });
    // Several windows of one SLO are usually missing for one cause: one reason per SLO, the first.
    if (verdict.state === 'error' && reason.kind === 'missing-data' && !reasons.some((r) => r.slo === reason.slo)) {
      reasons.push({ kind: 'missing-data', slo: reason.slo, reason: reason.reason });
    }
  }
  // The missing-data text is left out of the key: it names a window and a query, which may change from step to step.
  const key = [verdict.state, ...reasons.map((r) => `${r.kind}/${r.kind === 'freeze' ? r.window : r.slo}/${r.kind === 'burn' ? r.rule : ''}`)].join('|');
  return { state: verdict.state, reasons, key };
}

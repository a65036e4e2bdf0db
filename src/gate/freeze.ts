import type { Cron } from 'croner';
import { parseDuration } from '../policy/duration.js';
import { offsetOf, parseTimestamp, recurrence, type FreezeWindow } from '../policy/freeze.js';
import type { Policy } from '../policy/schema.js';

/**
 * Change-freeze windows in force at a moment (`freeze:` in the policy; not the budget tier
 * `budget.freezeBelow`). Pure: the moment is passed in, never read from the clock.
 */

/** One window in force: for a recurring window, the occurrence that covers the moment. */
export interface FreezeInForce {
  /** Position in the policy's `freeze:` list. */
  index: number;
  window: FreezeWindow;
  start: Date;
  end: Date;
  /** The zone the window is written in: its IANA `timezone`, or the offset of its `to` (`+01:00`, `UTC`). */
  zone: string;
}

/** The freeze at a moment: the window that holds longest, and when no window holds any more. */
export interface ActiveFreeze {
  window: FreezeInForce;
  /** Every window in force at the moment (not exempted), longest-holding first. */
  inForce: FreezeInForce[];
  /** When the freeze ends: the end of the window in force, carried on through any window that starts before it ends. */
  endsAt: Date;
  /** The zone of the window that ends it. */
  endsIn: string;
}

/** However windows chain into each other, the end is looked for at most this many windows ahead. */
const MAX_CHAINED = 20;

/**
 * The freeze in force at `at`, or undefined. Windows that `exempt` (by their index) do not count:
 * a change carrying one of a window's allowed labels is not held by that window. Overlapping
 * occurrences of a recurring window and windows that start before another ends are one freeze,
 * which ends when the last of them does.
 */
export function activeFreeze(policy: Pick<Policy, 'freeze'>, at: Date, exempt: (index: number) => boolean = () => false): ActiveFreeze | undefined {
  const counted = (moment: Date) => windowsInForce(policy.freeze, moment).filter((w) => !exempt(w.index));
  const inForce = counted(at).sort(byEnd);
  const longest = inForce[0];
  if (!longest) return undefined;
  let last = longest;
  for (let hop = 0; hop < MAX_CHAINED; hop++) {
    const next = counted(last.end).sort(byEnd)[0];
    if (!next || next.end.getTime() <= last.end.getTime()) break;
    last = next;
  }
  return { window: longest, inForce, endsAt: last.end, endsIn: last.zone };
}

/** Every window in force at `at`: start ≤ at < end. An occurrence ends at its start plus its duration. */
export function windowsInForce(freeze: readonly FreezeWindow[], at: Date): FreezeInForce[] {
  return freeze.flatMap((window, index) => {
    if (window.cron !== undefined) return occurrencesAt(window, index, at);
    const start = window.from === undefined ? undefined : parseTimestamp(window.from);
    const end = window.to === undefined ? undefined : parseTimestamp(window.to);
    if (!start || !end || !(start.getTime() <= at.getTime() && at.getTime() < end.getTime())) return [];
    return [{ index, window, start, end, zone: offsetOf(window.to!) }];
  });
}

function byEnd(a: FreezeInForce, b: FreezeInForce): number {
  return b.end.getTime() - a.end.getTime() || a.index - b.index;
}

/** Starts known for a recurring window: every start in [from, to] is in `starts`, in order. */
interface KnownStarts {
  schedule: Cron;
  from: number;
  to: number;
  starts: number[];
}

/** Starts asked of the cron library at a time: each costs it a fraction of a millisecond. */
const BATCH = 4;
/** Past this many remembered starts, those no longer needed are forgotten. */
const TRIM_AT = 1_000;
const known = new WeakMap<FreezeWindow, KnownStarts>();

/**
 * The occurrences of a recurring window in force at `at`: every start s with at − duration < s ≤ at
 * (more than one when occurrences overlap, e.g. around a DST change).
 */
function occurrencesAt(window: FreezeWindow, index: number, at: Date): FreezeInForce[] {
  const durationMs = parseDuration(window.duration ?? '');
  if (durationMs === undefined || window.timezone === undefined) return [];
  const now = at.getTime();
  const lo = now - durationMs;
  const starts = startsCovering(window, lo - 1000, now, durationMs);
  const found: FreezeInForce[] = [];
  for (let i = firstAfter(starts, lo); i < starts.length && starts[i]! <= now; i++) {
    const start = starts[i]!;
    found.push({ index, window, start: new Date(start), end: new Date(start + durationMs), zone: window.timezone });
  }
  return found;
}

/**
 * The remembered starts of a window, extended to know every start in [from, to]. Remembering them
 * across calls makes stepping through time (a backtest, with the look ahead to the end of a freeze
 * at every step) ask the cron library only for starts it has not seen yet; starts more than a
 * duration before `from` are forgotten once many are remembered.
 */
function startsCovering(window: FreezeWindow, from: number, to: number, durationMs: number): number[] {
  let cached = known.get(window);
  if (cached && from >= cached.from && to <= cached.to) return cached.starts;
  const schedule = cached?.schedule ?? recurrence(window.cron!, window.timezone!);
  // Filled in up to a range that does not touch it, rather than forgotten: a look ahead to the end of a freeze and the
  // next step's look back both stay known.
  cached ??= { schedule, from, to: from, starts: [] };
  if (from < cached.from) {
    const before = cached.from;
    cached.starts = [...startsAfter(schedule, from, before).filter((start) => start < before), ...cached.starts];
    cached.from = from;
  }
  if (to > cached.to) {
    const after = cached.to;
    const later = startsAfter(schedule, after, to);
    for (const start of later) if (start > after) cached.starts.push(start);
    // Known now up to the last start fetched, the first one past `to` (or for ever, when the cron stops firing).
    const last = later[later.length - 1];
    cached.to = last !== undefined && last > to ? last : Infinity;
  }
  if (cached.starts.length > TRIM_AT) {
    const cut = from - durationMs;
    const drop = firstAfter(cached.starts, cut - 1);
    if (drop > 0) {
      cached.starts.splice(0, drop);
      cached.from = Math.max(cached.from, cut);
    }
  }
  known.set(window, cached);
  return cached.starts;
}

/** Every start after `after`, up to and including the first one past `until`. */
function startsAfter(schedule: Cron, after: number, until: number): number[] {
  const starts: number[] = [];
  let from = after;
  while (from <= until) {
    const batch = schedule.nextRuns(BATCH, new Date(from)).map((d) => d.getTime());
    starts.push(...batch);
    if (batch.length < BATCH) break;
    from = batch[batch.length - 1]!;
  }
  return starts;
}

/** The index of the first start after `moment` (binary search). */
function firstAfter(starts: readonly number[], moment: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (starts[middle]! > moment) high = middle;
    else low = middle + 1;
  }
  return low;
}

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

/** Starts known for a recurring window: every start in [from, to] is in `starts`. */
interface KnownStarts {
  schedule: Cron;
  from: number;
  to: number;
  starts: number[];
}

/** Starts asked of the cron library at a time: each costs it about half a millisecond. */
const BATCH = 4;
/** However many starts fall within one duration, no more are asked for than this (validation keeps it to one or two). */
const MAX_STARTS = 1_000;
const known = new WeakMap<FreezeWindow, KnownStarts>();

/**
 * The occurrences of a recurring window in force at `at`: every start s with at − duration < s ≤ at
 * (more than one when occurrences overlap, e.g. around a DST change). Remembers the starts it
 * computed per window, so stepping through time (a backtest) asks the cron library rarely.
 */
function occurrencesAt(window: FreezeWindow, index: number, at: Date): FreezeInForce[] {
  const durationMs = parseDuration(window.duration ?? '');
  if (durationMs === undefined || window.timezone === undefined) return [];
  const now = at.getTime();
  const lo = now - durationMs;
  let cached = known.get(window);
  if (!cached || lo < cached.from || now > cached.to) {
    const schedule = cached?.schedule ?? recurrence(window.cron!, window.timezone);
    const from = lo - 1000;
    const starts: number[] = [];
    let to = from;
    // Every start from `from` up to the first one after `now`: then all starts in [from, to] are known.
    while (to <= now && starts.length < MAX_STARTS) {
      const batch = schedule.nextRuns(BATCH, new Date(to)).map((d) => d.getTime());
      starts.push(...batch);
      to = batch.length < BATCH ? Infinity : batch[batch.length - 1]!;
    }
    cached = { schedule, from, to, starts };
    known.set(window, cached);
  }
  return cached.starts
    .filter((start) => start > lo && start <= now)
    .map((start) => ({ index, window, start: new Date(start), end: new Date(start + durationMs), zone: window.timezone! }));
}

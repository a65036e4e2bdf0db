import { Cron } from 'croner';
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.js';

/**
 * `freeze:` in the policy: change-freeze windows, when the gate blocks whatever the error budget
 * says (not to be confused with `budget.freezeBelow`, a budget tier). A window is absolute
 * (`from`/`to`, RFC 3339 with an offset) or recurring (`cron`, `duration`, `timezone`), and says
 * why (`reason`) and which labels may still merge (`allowLabels`, applied by someone with
 * `bypass.minPermission`). Pure: no clock is read here.
 */

export const MAX_FREEZE_WINDOWS = 50;

/** An RFC 3339 time with seconds optional and an offset required: `2026-12-18T17:00:00+01:00`. */
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * How many starts of a recurring window validation looks at to find the shortest time between two
 * (on the wall clock; a DST change can shorten it by the zone's shift). Each costs the cron library
 * about half a millisecond, and a policy is read on every event.
 */
const SAMPLED_STARTS = 24;
/** Where that look starts: a fixed moment, so a policy validates the same whatever the day. */
const SAMPLE_FROM = new Date('2026-01-01T00:00:00Z');
/** The shortest time allowed between two starts of a recurring window. */
const MIN_GAP_MS = 3_600_000;

const label = z.string().min(1).max(50);

export const freezeWindowSchema = z
  .strictObject({
    reason: z.string().min(1, { error: 'must say why changes are frozen, e.g. "weekend freeze"' }).max(200),
    allowLabels: z.array(label).max(20).default([]),
    from: z.string().max(40).optional(),
    to: z.string().max(40).optional(),
    cron: z.string().max(100).optional(),
    duration: z.string().max(32).optional(),
    timezone: z.string().max(64).optional(),
  })
  .superRefine((window, ctx) => freezeWindowProblems(window).forEach(({ path, message }) => ctx.addIssue({ code: 'custom', path, message })));

export const freezeSchema = z.array(freezeWindowSchema).max(MAX_FREEZE_WINDOWS, { error: `must list at most ${MAX_FREEZE_WINDOWS} freeze windows` });

export type FreezeWindow = z.output<typeof freezeWindowSchema>;

type Problem = { path: PropertyKey[]; message: string };

/** What is wrong with one window, each problem with its key path inside the window. */
export function freezeWindowProblems(window: FreezeWindow): Problem[] {
  const absolute = window.from !== undefined || window.to !== undefined;
  const recurring = window.cron !== undefined || window.duration !== undefined || window.timezone !== undefined;
  if (absolute && recurring) return [{ path: [], message: 'is either absolute (`from`, `to`) or recurring (`cron`, `duration`, `timezone`), not both' }];
  if (absolute) return absoluteProblems(window);
  if (recurring) return recurringProblems(window);
  return [{ path: [], message: 'needs `from` and `to` (an absolute window), or `cron`, `duration` and `timezone` (a recurring one)' }];
}

function absoluteProblems({ from, to }: FreezeWindow): Problem[] {
  const problems: Problem[] = [];
  const at = (key: string, message: string) => problems.push({ path: [key], message });
  if (from === undefined) at('from', 'is required with `to`: when the freeze starts, e.g. 2026-12-18T17:00:00+01:00');
  if (to === undefined) at('to', 'is required with `from`: when the freeze ends, e.g. 2027-01-04T09:00:00+01:00');
  const start = from === undefined ? undefined : parseTimestamp(from);
  const end = to === undefined ? undefined : parseTimestamp(to);
  if (from !== undefined && !start) at('from', timestampMessage(from));
  if (to !== undefined && !end) at('to', timestampMessage(to));
  if (start && end && end.getTime() <= start.getTime()) at('to', `must be after \`from\` (${from})`);
  return problems;
}

function timestampMessage(text: string): string {
  return `must be an RFC 3339 time with an offset, such as 2026-12-18T17:00:00+01:00 or 2026-12-18T16:00:00Z, not "${text}"`;
}

function recurringProblems({ cron, duration, timezone }: FreezeWindow): Problem[] {
  const problems: Problem[] = [];
  const at = (key: string, message: string) => problems.push({ path: [key], message });
  if (cron === undefined) at('cron', 'is required with `duration`: when each freeze starts, e.g. "0 17 * * 5" (Fridays at 17:00)');
  if (duration === undefined) at('duration', 'is required with `cron`: how long each freeze lasts, e.g. 64h');
  if (timezone === undefined) at('timezone', 'is required with `cron`: the IANA time zone the cron is read in, e.g. Europe/Berlin or UTC');
  const durationMs = duration === undefined ? undefined : parseDuration(duration);
  if (duration !== undefined && durationMs === undefined) at('duration', `must be a Prometheus duration such as 64h or 2d12h, not "${duration}"`);
  const zoneOk = timezone === undefined || isTimeZone(timezone);
  if (!zoneOk) at('timezone', `"${timezone}" is not an IANA time zone such as Europe/Berlin, America/New_York or UTC`);
  if (cron === undefined || !zoneOk) return problems;
  let wallClock: Cron;
  try {
    // On the wall clock (UTC has no DST); the zone's DST shift is taken off the gaps below.
    wallClock = recurrence(cron, 'UTC');
  } catch (error) {
    at('cron', `is not a 5-field cron expression (minute hour day-of-month month day-of-week): ${cronError(error)}`);
    return problems;
  }
  const starts = wallClock.nextRuns(SAMPLED_STARTS, SAMPLE_FROM);
  if (starts.length === 0) {
    at('cron', `"${cron}" never fires (no such day), so the freeze would never start`);
    return problems;
  }
  const wallGap = shortestGap(starts);
  if (wallGap !== undefined && wallGap < MIN_GAP_MS) {
    // Every start costs the cron library time at every evaluation and backtest step: a freeze is not a minute-by-minute thing.
    at('cron', `starts a freeze every ${formatDuration(wallGap)}: a window may start at most once an hour`);
    return problems;
  }
  const gap = wallGap === undefined ? undefined : wallGap - dstShiftMs(timezone ?? 'UTC');
  if (durationMs !== undefined && gap !== undefined && durationMs >= gap) {
    at('duration', `must be shorter than the time between two starts of "${cron}" (${formatDuration(gap)} at the shortest): the freeze would never end`);
  }
  return problems;
}

function shortestGap(starts: Date[]): number | undefined {
  let gap: number | undefined;
  for (let i = 1; i < starts.length; i++) {
    const ms = starts[i]!.getTime() - starts[i - 1]!.getTime();
    if (gap === undefined || ms < gap) gap = ms;
  }
  return gap;
}

/** How far a zone's offset from UTC moves over a year (1h for most zones with DST, 0 without). */
function dstShiftMs(zone: string): number {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  });
  const offsets = Array.from({ length: 24 }, (_, half) => {
    const moment = Date.UTC(SAMPLE_FROM.getUTCFullYear(), Math.floor(half / 2), half % 2 === 0 ? 1 : 15);
    const parts = Object.fromEntries(format.formatToParts(moment).map((p) => [p.type, Number(p.value)]));
    return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute) - moment;
  });
  return Math.max(...offsets) - Math.min(...offsets);
}

function cronError(error: unknown): string {
  return ((error as Error).message ?? String(error)).replace(/^CronPattern:\s*/, '');
}

/** A recurring window's schedule, as standard 5-field cron in its zone (Vixie cron's rules for DST, see croner). */
export function recurrence(cron: string, timezone: string): Cron {
  return new Cron(cron.trim(), { timezone, mode: '5-part', fixedTimeRule: 'no-wildcard' });
}

/** Whether the runtime knows `zone` as an IANA time zone (or UTC). Offsets such as `+01:00` are not zones. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/**
 * A moment from an RFC 3339 time with an offset, or undefined: without an offset the time would be
 * read in the server's zone, and a day that does not exist (2026-02-30) would roll over.
 */
export function parseTimestamp(text: string): Date | undefined {
  const match = RFC_3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second = 0] = match.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part)));
  const realDay = month! >= 1 && month! <= 12 && new Date(Date.UTC(year!, month! - 1, day)).getUTCDate() === day;
  if (!realDay || hour! > 23 || minute! > 59 || second > 59) return undefined;
  const date = new Date(text.toUpperCase());
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** The zone an absolute window is written in: its `to`'s offset (`+01:00`), or UTC for `Z`. */
export function offsetOf(text: string): string {
  const offset = RFC_3339.exec(text)?.[8]?.toUpperCase();
  return offset === undefined || offset === 'Z' || offset === '+00:00' ? 'UTC' : offset;
}

import type { WindowReading } from '../gate/types.js';
import { parseDuration } from '../policy/duration.js';

/** What one query answered for one window at one instant: its sample, or why there is none. */
export type Answer = { ok: true; value: number } | { ok: false; reason: string };

/** The policy's name for each query, so a reason points at the line to fix; `recordedSeries`: Sloth's (`sloth.recorded`). */
export type QueryName = 'errorQuery' | 'totalQuery' | 'errorRatioQuery' | 'recordedSeries';

/** The problems that mean "this series does not exist (here)", which `or vector(0)` fixes for errors. */
export const NO_SERIES = 'returned no series';
export const NO_SAMPLE = 'has no sample at this step';
const RECORDED_HINT = " (sloth.recorded: true reads slo:sli_error:ratio_rate<window>: are Sloth's rules for this SLO loaded, with the policy's period?)";
const OR_VECTOR_HINT = ' (if no errors have happened yet, append `or vector(0)` to errorQuery)';

/** A query that answered nothing usable, named as the policy names it, with a hint when the fix is known. */
export function unanswered(name: QueryName, problem: string): Answer {
  if (name === 'recordedSeries') return { ok: false, reason: `Sloth's recorded series ${problem}${RECORDED_HINT}` };
  const hint = name === 'errorQuery' && (problem === NO_SERIES || problem === NO_SAMPLE) ? OR_VECTOR_HINT : '';
  return { ok: false, reason: `${name} ${problem}${hint}` };
}

/** The reading of a raw SLI: its ratio as answered. NaN is 0/0, no traffic; ±Inf or a negative ratio is not a ratio. */
export function readRatio(ratio: Answer): WindowReading {
  return ratio.ok ? checked(ratio.value) : ratio;
}

/**
 * The reading of an events SLI: errors / total. Both must be counts: finite and not negative,
 * else the window is missing data (NaN, ±Inf or a negative number is a broken query, never a
 * quiet service). A total of 0 is no traffic (NaN), unless errors were counted anyway, which
 * means the two queries disagree. With the window's length in seconds, the reading also carries
 * the failed requests in it, for the significance guard: errorQuery answers a per-second rate
 * (`rate()`), so the window held that rate × its length (with `increase()` the count comes out
 * larger, and the guard holds back fewer rules: it errs towards blocking).
 */
export function readEvents(errors: Answer, total: Answer, windowSeconds?: number): WindowReading {
  if (!errors.ok) return errors;
  if (!total.ok) return total;
  const broken = notACount('errorQuery', errors.value, total.value) ?? notACount('totalQuery', total.value);
  if (broken) return { ok: false, reason: broken };
  if (total.value === 0) {
    return errors.value > 0
      ? { ok: false, reason: 'errorQuery counts errors while totalQuery counts no requests: do the two queries select the same series?' }
      : counted({ ok: true, ratio: NaN }, 0, windowSeconds);
  }
  return counted(checked(errors.value / total.value), errors.value, windowSeconds);
}

function counted(reading: WindowReading, errorsPerSecond: number, windowSeconds: number | undefined): WindowReading {
  return reading.ok && windowSeconds !== undefined ? { ...reading, failed: errorsPerSecond * windowSeconds } : reading;
}

/** Why a query's value cannot be a count of events, or undefined when it can. */
function notACount(name: QueryName, value: number, total?: number): string | undefined {
  const context = total !== undefined && total > 0 && Number.isFinite(total) ? ' while totalQuery shows traffic' : '';
  if (Number.isNaN(value)) return `${name} returned NaN${context}`;
  if (!Number.isFinite(value))
    return `${name} returned ${value > 0 ? '+Inf' : '-Inf'}, which is not a count of ${name === 'totalQuery' ? 'requests' : 'errors'}`;
  if (value < 0) return `${name} returned ${value}: a count of ${name === 'totalQuery' ? 'requests' : 'errors'} cannot be negative`;
  return undefined;
}

/** Only a finite, non-negative ratio (or NaN: no traffic) is a measurement. */
function checked(ratio: number): WindowReading {
  if (Number.isNaN(ratio) || (ratio >= 0 && Number.isFinite(ratio))) return { ok: true, ratio: ratio === 0 ? 0 : ratio };
  return { ok: false, reason: `the error ratio is ${formatted(ratio)}, which is not a ratio` };
}

function formatted(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : '-Inf';
}

/** A window's length in seconds (`5m` -> 300), for the failed-request count; undefined when it is not a duration. */
export function windowSeconds(window: string): number | undefined {
  const ms = parseDuration(window);
  return ms === undefined ? undefined : ms / 1000;
}

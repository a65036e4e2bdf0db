import type { WindowReading } from '../gate/types.js';

/** What one query answered for one window at one instant: its sample, or why there is none. */
export type Answer = { ok: true; value: number } | { ok: false; reason: string };

/** The policy's name for each query, so a reason points at the line to fix. */
export type QueryName = 'errorQuery' | 'totalQuery' | 'errorRatioQuery';

/** The problems that mean "this series does not exist (here)", which `or vector(0)` fixes for errors. */
export const NO_SERIES = 'returned no series';
export const NO_SAMPLE = 'has no sample at this step';
const OR_VECTOR_HINT = ' (if no errors have happened yet, append `or vector(0)` to errorQuery)';

/** A query that answered nothing usable, named as the policy names it, with a hint when the fix is known. */
export function unanswered(name: QueryName, problem: string): Answer {
  const hint = name === 'errorQuery' && (problem === NO_SERIES || problem === NO_SAMPLE) ? OR_VECTOR_HINT : '';
  return { ok: false, reason: `${name} ${problem}${hint}` };
}

/** The reading of a raw SLI: its ratio as answered. */
export function readRatio(ratio: Answer): WindowReading {
  return ratio.ok ? checked(ratio.value) : ratio;
}

/**
 * The reading of an events SLI: errors / total. A total of 0 is no traffic (NaN), unless errors
 * were counted anyway, which means the two queries disagree. Any other NaN is a broken query.
 */
export function readEvents(errors: Answer, total: Answer): WindowReading {
  if (!errors.ok) return errors;
  if (!total.ok) return total;
  if (total.value === 0) {
    return errors.value > 0
      ? { ok: false, reason: 'errorQuery counts errors while totalQuery counts no requests: do the two queries select the same series?' }
      : { ok: true, ratio: NaN };
  }
  // Only a total of 0 means no traffic; a NaN anywhere else is a broken query, not a quiet service.
  if (Number.isNaN(total.value)) return { ok: false, reason: 'totalQuery returned NaN' };
  if (Number.isNaN(errors.value)) return { ok: false, reason: 'errorQuery returned NaN while totalQuery shows traffic' };
  return checked(errors.value / total.value);
}

/** Only a finite, non-negative ratio (or NaN: no traffic) is a measurement. */
function checked(ratio: number): WindowReading {
  if (Number.isNaN(ratio) || (ratio >= 0 && Number.isFinite(ratio))) return { ok: true, ratio };
  return { ok: false, reason: `the error ratio is ${ratio}, which is not a ratio` };
}

/**
 * What Prometheus would hold for one synthetic service, minute by minute, with or without noise:
 * the two counters (failed requests, all requests) at every whole minute. A window read at a whole
 * minute is then the counters' difference over it, which is exactly what `rate()` × window gives
 * when a sample sits on each window edge (see scenarios.ts: every replay step is a whole minute and
 * the harness samples on whole minutes). Pure: the same service and seed give the same counts.
 */
import type { SyntheticService } from '../../test/support/prometheus-harness.js';
import { poisson, seeded } from './noise.js';

const MINUTE = 60;

export interface Counts {
  /** Seconds relative to T0 of counter index 0; index i is the value at `from + 60 i`. */
  from: number;
  /** Cumulative failed and total requests at each whole minute. */
  failed: Float64Array;
  total: Float64Array;
}

/**
 * The counters from `from` to `until` (seconds relative to T0, whole minutes). With a seed, each
 * minute's failed and successful requests are drawn from Poisson distributions around their
 * means (independent Poisson counts are exactly a Poisson total split binomially); without one,
 * they are the means, as the harness writes them.
 */
export function countsOf(service: SyntheticService, from: number, until: number, seed?: number): Counts {
  const minutes = Math.round((until - from) / MINUTE);
  const failed = new Float64Array(minutes + 1);
  const total = new Float64Array(minutes + 1);
  const random = seed === undefined ? undefined : seeded(seed);
  const fractions = minuteFractions(service, from, minutes);
  const perMinute = service.requestsPerSecond * MINUTE;
  for (let i = 0; i < minutes; i++) {
    const meanFailed = perMinute * fractions[i]!;
    const meanOk = perMinute - meanFailed;
    const bad = random ? poisson(meanFailed, random) : meanFailed;
    const good = random ? poisson(meanOk, random) : meanOk;
    failed[i + 1] = failed[i]! + bad;
    total[i + 1] = total[i]! + bad + good;
  }
  return { from, failed, total };
}

/** The mean error fraction over each minute from `from`: segments are integrated, so a 30 s pulse counts half. */
function minuteFractions(service: SyntheticService, from: number, minutes: number): Float64Array {
  const out = new Float64Array(minutes);
  const { segments } = service;
  for (let s = 0; s < segments.length; s++) {
    const start = Math.max(segments[s]!.from, from);
    const end = Math.min(segments[s + 1]?.from ?? Infinity, from + minutes * MINUTE);
    const fraction = segments[s]!.errorFraction;
    if (!(end > start) || fraction === 0) continue;
    for (let t = start; t < end;) {
      const index = Math.floor((t - from) / MINUTE);
      const next = Math.min(end, from + (index + 1) * MINUTE);
      out[index] = out[index]! + (fraction * (next - t)) / MINUTE;
      t = next;
    }
  }
  return out;
}

/** Failed and total requests in the window of `seconds` ending at `at` (both whole minutes, relative to T0). */
export function windowCounts(counts: Counts, at: number, seconds: number): { failed: number; total: number } {
  const end = Math.round((at - counts.from) / MINUTE);
  const start = end - Math.round(seconds / MINUTE);
  if (start < 0 || end >= counts.failed.length) throw new RangeError(`window ${seconds} s at ${at} is outside the data`);
  return { failed: counts.failed[end]! - counts.failed[start]!, total: counts.total[end]! - counts.total[start]! };
}

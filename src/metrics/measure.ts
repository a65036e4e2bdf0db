import pLimit from 'p-limit';
import { QueryError } from '../errors.js';
import type { Readings, WindowReading } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { sliQueries, windowsOf } from './promql.js';
import type { MetricsSource } from './source.js';

export interface MeasureOptions {
  /** Evaluate as of this moment instead of the server's now. */
  at?: Date;
  /** Queries in flight at once against the metrics server. */
  concurrency?: number;
}

/**
 * Reads every window every SLO needs. Each distinct query is sent once per evaluation,
 * however many SLOs or rules share it. Never throws for a failed query: it becomes a
 * reading with the reason, and the decision engine decides what missing data means.
 */
export async function measure(policy: Policy, source: MetricsSource, options: MeasureOptions = {}): Promise<Readings> {
  const limit = pLimit(options.concurrency ?? 8);
  const sent = new Map<string, Promise<number>>();
  const ask = (query: string) => {
    let answer = sent.get(query);
    if (!answer) {
      answer = limit(() => source.queryScalar(query, options.at));
      sent.set(query, answer);
    }
    return answer;
  };

  const perSlo = policy.slos.map(async (slo) => {
    const windows = windowsOf(slo, policy.burnRate.rules);
    const readings = await Promise.all(
      windows.map(async (window): Promise<[string, WindowReading]> => [window, await read(sliQueries(slo, window), ask)]),
    );
    return [slo.name, new Map(readings)] as const;
  });
  return new Map(await Promise.all(perSlo));
}

async function read(queries: ReturnType<typeof sliQueries>, ask: (q: string) => Promise<number>): Promise<WindowReading> {
  if (queries.kind === 'raw') {
    const ratio = await settle('errorRatioQuery', ask(queries.ratio));
    return ratio.ok ? checked(ratio.value) : ratio;
  }
  const [errors, total] = await Promise.all([settle('errorQuery', ask(queries.error)), settle('totalQuery', ask(queries.total))]);
  if (!errors.ok) return errors;
  if (!total.ok) return total;
  if (total.value === 0) {
    return errors.value > 0 ? { ok: false, reason: 'errorQuery counts errors while totalQuery counts no requests: do the two queries select the same series?' } : { ok: true, ratio: NaN };
  }
  // Only a total of 0 means no traffic; a NaN anywhere else is a broken query, not a quiet service.
  if (Number.isNaN(total.value)) return { ok: false, reason: 'totalQuery returned NaN' };
  if (Number.isNaN(errors.value)) return { ok: false, reason: 'errorQuery returned NaN while totalQuery shows traffic' };
  return checked(errors.value / total.value);
}

type Settled = { ok: true; value: number } | { ok: false; reason: string };

async function settle(name: string, answer: Promise<number>): Promise<Settled> {
  try {
    return { ok: true, value: await answer };
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    const hint = name === 'errorQuery' && error.message === 'returned no series' ? ' (if no errors have happened yet, append `or vector(0)` to errorQuery)' : '';
    return { ok: false, reason: `${name} ${error.message}${hint}` };
  }
}

/** Only a finite, non-negative ratio (or NaN: no traffic) is a measurement. */
function checked(ratio: number): WindowReading {
  if (Number.isNaN(ratio) || (ratio >= 0 && Number.isFinite(ratio))) return { ok: true, ratio };
  return { ok: false, reason: `the error ratio is ${ratio}, which is not a ratio` };
}

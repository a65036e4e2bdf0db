import pLimit from 'p-limit';
import { QueryError } from '../errors.js';
import type { Readings, WindowReading } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { sliQueries, windowsOf, type SliQueries } from './promql.js';
import type { MetricsSource } from './source.js';
import { readEvents, readRatio, unanswered, type Answer, type QueryName } from './window-reading.js';

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
    const readings = await Promise.all(windows.map(async (window): Promise<[string, WindowReading]> => [window, await read(sliQueries(slo, window), ask)]));
    return [slo.name, new Map(readings)] as const;
  });
  return new Map(await Promise.all(perSlo));
}

async function read(queries: SliQueries, ask: (q: string) => Promise<number>): Promise<WindowReading> {
  if (queries.kind === 'raw') return readRatio(await settle('errorRatioQuery', ask(queries.ratio)));
  const [errors, total] = await Promise.all([settle('errorQuery', ask(queries.error)), settle('totalQuery', ask(queries.total))]);
  return readEvents(errors, total);
}

async function settle(name: QueryName, answer: Promise<number>): Promise<Answer> {
  try {
    return { ok: true, value: await answer };
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    return unanswered(name, error.message);
  }
}

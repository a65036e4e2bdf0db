import pLimit from 'p-limit';
import { EvaluationDeadlineError, QueryError } from '../errors.js';
import type { Readings, WindowReading } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { sliQueries, windowsOf, type SliQueries } from './promql.js';
import { EVALUATION_ENDED, type MetricsSource } from './source.js';
import { readEvents, readRatio, unanswered, windowSeconds, type Answer, type QueryName } from './window-reading.js';

export interface MeasureOptions {
  /** Evaluate as of this moment instead of the server's now. */
  at?: Date;
  /** Queries in flight at once against the metrics server. */
  concurrency?: number;
  /**
   * How long the whole measurement may take, in ms; no limit when undefined or Infinity. Past it,
   * measure rejects with EvaluationDeadlineError, sends none of the queries still queued and
   * abandons those in flight.
   */
  deadlineMs?: number;
}

/**
 * Reads every window every SLO needs. Each distinct query is sent once per evaluation,
 * however many SLOs or rules share it. Never throws for a failed query: it becomes a
 * reading with the reason, and the decision engine decides what missing data means.
 * Throws EvaluationDeadlineError when the deadline passes first.
 */
export async function measure(policy: Policy, source: MetricsSource, options: MeasureOptions = {}): Promise<Readings> {
  const { deadlineMs = Infinity } = options;
  if (!(deadlineMs > 0)) throw new RangeError(`the evaluation deadline must be a positive number of ms, not ${deadlineMs}`);
  const limit = pLimit(options.concurrency ?? 8);
  const ended = new AbortController();
  const sent = new Map<string, Promise<number>>();
  let answered = 0;
  const ask = (query: string) => {
    let answer = sent.get(query);
    if (!answer) {
      answer = limit(() =>
        ended.signal.aborted ? Promise.reject(new QueryError(EVALUATION_ENDED, query)) : source.queryScalar(query, options.at, ended.signal),
      );
      void answer.then(
        () => answered++,
        () => answered++,
      );
      sent.set(query, answer);
    }
    return answer;
  };

  const perSlo = policy.slos.map(async (slo) => {
    const windows = windowsOf(slo, policy.burnRate.rules);
    const readings = await Promise.all(
      windows.map(async (window): Promise<[string, WindowReading]> => [window, await read(sliQueries(slo, window), ask, windowSeconds(window))]),
    );
    return [slo.name, new Map(readings)] as const;
  });
  const work = Promise.all(perSlo);
  if (deadlineMs === Infinity) return new Map(await work);

  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      ended.abort();
      reject(new EvaluationDeadlineError(deadlineMs, sent.size - answered, sent.size));
    }, deadlineMs);
  });
  try {
    return new Map(await Promise.race([work, expired]));
  } finally {
    clearTimeout(timer);
  }
}

async function read(queries: SliQueries, ask: (q: string) => Promise<number>, seconds: number | undefined): Promise<WindowReading> {
  if (queries.kind === 'raw') return readRatio(await settle(queries.name ?? 'errorRatioQuery', ask(queries.ratio)));
  const [errors, total] = await Promise.all([settle('errorQuery', ask(queries.error)), settle('totalQuery', ask(queries.total))]);
  return readEvents(errors, total, seconds);
}

async function settle(name: QueryName, answer: Promise<number>): Promise<Answer> {
  try {
    return { ok: true, value: await answer };
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    return unanswered(name, error.message);
  }
}

import pLimit from 'p-limit';
import { QueryError } from '../errors.js';
import type { DeployReading, DeployReadings } from '../gate/verify.js';
import type { Policy } from '../policy/schema.js';
import { sliQueries, type SliQueries } from './promql.js';
import type { MetricsSource } from './source.js';
import { readEvents, readRatio, unanswered, type Answer, type QueryName } from './window-reading.js';

export interface DeploymentWindow {
  /** When the deployment reported success: the baseline ends here and the comparison starts. */
  deployedAt: Date;
  /** The moment of the check (the caller's clock; never read here). */
  at: Date;
  /** Queries in flight at once against the metrics server. */
  concurrency?: number;
}

/**
 * Reads what a post-deploy check needs, for every SLO of the (environment's) policy: the error
 * ratio over the time since the deploy, and over a window of the same length ending at the
 * deploy. Prometheus evaluates an instant query at any `time`, so the baseline is measured after
 * the fact. The window is the whole seconds since the deploy (`900s`).
 *
 * Requests since the deploy are the total query's value times the window's seconds: the policy's
 * queries are per-second rates (`rate(...[{{.window}}])`). A raw ratio SLI has no request count.
 *
 * Never throws for a failed query: it becomes missing data with the reason, and verify() never
 * reads missing data as a pass.
 */
export async function measureDeployment(policy: Policy, source: MetricsSource, window: DeploymentWindow): Promise<DeployReadings> {
  const seconds = Math.floor((window.at.getTime() - window.deployedAt.getTime()) / 1000);
  if (!(seconds >= 1)) {
    throw new RangeError(`a post-deploy check needs at least 1 s since the deploy (${window.deployedAt.toISOString()}), not ${window.at.toISOString()}`);
  }
  const limit = pLimit(window.concurrency ?? 8);
  const sent = new Map<string, Promise<number>>();
  const ask = (query: string, at: Date) => {
    const key = `${at.getTime()}:${query}`;
    let answer = sent.get(key);
    if (!answer) {
      answer = limit(() => source.queryScalar(query, at));
      sent.set(key, answer);
    }
    return answer;
  };

  const range = `${seconds}s`;
  const perSlo = policy.slos.map(async (slo): Promise<[string, DeployReading]> => {
    const queries = sliQueries(slo, range);
    const [after, before] = await Promise.all([read(queries, (q) => ask(q, window.at)), read(queries, (q) => ask(q, window.deployedAt))]);
    const requests = after.total?.ok && Number.isFinite(after.total.value) && after.total.value >= 0 ? after.total.value * seconds : undefined;
    return [slo.name, { after: after.reading, before: before.reading, requests }];
  });
  return new Map(await Promise.all(perSlo));
}

async function read(queries: SliQueries, ask: (q: string) => Promise<number>): Promise<{ reading: DeployReading['after']; total?: Answer }> {
  if (queries.kind === 'raw') return { reading: readRatio(await settle(queries.name ?? 'errorRatioQuery', ask(queries.ratio))) };
  const [errors, total] = await Promise.all([settle('errorQuery', ask(queries.error)), settle('totalQuery', ask(queries.total))]);
  return { reading: readEvents(errors, total), total };
}

async function settle(name: QueryName, answer: Promise<number>): Promise<Answer> {
  try {
    return { ok: true, value: await answer };
  } catch (error) {
    if (!(error instanceof QueryError)) throw error;
    return unanswered(name, error.message);
  }
}

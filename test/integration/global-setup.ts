/**
 * Starts a throwaway Prometheus holding 31 days of synthetic counters (see scenarios.ts) for the
 * integration tests, and stops it afterwards (see test/support/prometheus-harness.ts). The tests
 * read the URL and T0 with `inject('prometheusUrl')` and `inject('dataNow')`.
 */
import type { TestProject } from 'vitest/node';
import { startSyntheticPrometheus, type SyntheticPrometheus } from '../support/prometheus-harness.js';
import { COARSE_STEP, DATA_FROM, DATA_UNTIL, FINE_FROM, FINE_STEP, SCENARIOS } from './scenarios.js';

export { freePort } from '../support/prometheus-harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the test Prometheus, e.g. http://127.0.0.1:41234. */
    prometheusUrl: string;
    /** T0 in Unix seconds: the moment every scenario is defined relative to, and evaluated at. */
    dataNow: number;
  }
}

let prometheus: SyntheticPrometheus | undefined;

export async function setup(project: TestProject): Promise<void> {
  prometheus = await startSyntheticPrometheus(SCENARIOS, {
    from: DATA_FROM,
    until: DATA_UNTIL,
    fineFrom: FINE_FROM,
    coarseStep: COARSE_STEP,
    fineStep: FINE_STEP,
  });
  project.provide('prometheusUrl', prometheus.url);
  project.provide('dataNow', prometheus.t0);
  console.log(
    `prometheus at ${prometheus.url} with ${prometheus.samples} samples around T0 = ${new Date(prometheus.t0 * 1000).toISOString()}; ${prometheus.timings}`,
  );
}

export async function teardown(): Promise<void> {
  await prometheus?.stop();
  prometheus = undefined;
}

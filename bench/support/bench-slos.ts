/**
 * The five SLOs the speed benchmarks share, one per synthetic service of the integration tests
 * (test/integration/scenarios.ts): two that pass (healthy, incident two and a half hours ago) and
 * three that block (fast burn, slow burn, budget exhausted). A real Prometheus serves them.
 */
import { stringify } from 'yaml';
import { startSyntheticPrometheus, type SyntheticPrometheus } from '../../test/support/prometheus-harness.js';
import { COARSE_STEP, DATA_FROM, DATA_UNTIL, FINE_FROM, FINE_STEP, OBJECTIVE, scenario } from '../../test/integration/scenarios.js';

export const PASSING = ['healthy', 'incident'] as const;
export const BLOCKING = ['fast-burn', 'slow-burn', 'exhausted'] as const;
export const BENCH_SLOS = [...PASSING, ...BLOCKING] as const;
export type BenchSlo = (typeof BENCH_SLOS)[number];

/** Queries per SLO with the default rules: 5 windows (5m, 30m, 1h, 6h, 30d) x errors and total. */
export const QUERIES_PER_SLO = 10;

export function startBenchPrometheus(): Promise<SyntheticPrometheus> {
  return startSyntheticPrometheus(
    BENCH_SLOS.map((name) => scenario(name)),
    { from: DATA_FROM, until: DATA_UNTIL, fineFrom: FINE_FROM, coarseStep: COARSE_STEP, fineStep: FINE_STEP },
  );
}

/** One SLO as a team writes it, on the service's request counters. */
export function sloSpec(job: BenchSlo) {
  return {
    name: job,
    objective: OBJECTIVE,
    sli: {
      events: {
        errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
        totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
      },
    },
  };
}

/** A repository's `.github/slo-gate.yml`: its SLOs, the default rules, `hotfix` as a bypass label. */
export function policyYaml(slos: readonly BenchSlo[]): string {
  return stringify({ slos: slos.map(sloSpec), bypass: { labels: ['hotfix'], minPermission: 'write' } });
}

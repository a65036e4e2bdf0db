import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GateState } from './gate/types.js';

/** What slo-gate counts about itself, for `/metrics`. The engine never sees it: only the edges report. */
export interface Telemetry {
  evaluated(state: GateState, seconds: number): void;
  queried(outcome: 'ok' | 'error'): void;
  cacheHit(): void;
  wroteToGitHub(kind: 'status' | 'comment-create' | 'comment-update' | 'reply'): void;
  skippedWrite(kind: 'status' | 'comment'): void;
}

export const NO_TELEMETRY: Telemetry = {
  evaluated() {},
  queried() {},
  cacheHit() {},
  wroteToGitHub() {},
  skippedWrite() {},
};

/** Prometheus metrics in their own registry; `pendingRechecks` is read when scraped. */
export function createTelemetry(pendingRechecks: () => Promise<number>): Telemetry & { registry: Registry } {
  const registry = new Registry();
  const evaluations = new Histogram({
    name: 'slo_gate_evaluation_duration_seconds',
    help: 'Time from starting an evaluation to its status being written.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const decisions = new Counter({ name: 'slo_gate_decisions_total', help: 'Commit statuses decided, by state.', labelNames: ['state'], registers: [registry] });
  const queries = new Counter({
    name: 'slo_gate_prometheus_queries_total',
    help: 'Queries sent to the metrics server, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const hits = new Counter({
    name: 'slo_gate_query_cache_hits_total',
    help: 'Queries answered from the shared cache or an identical query in flight.',
    registers: [registry],
  });
  const writes = new Counter({ name: 'slo_gate_github_writes_total', help: 'Writes sent to GitHub, by kind.', labelNames: ['kind'], registers: [registry] });
  const skipped = new Counter({
    name: 'slo_gate_github_writes_skipped_total',
    help: 'Writes not sent because GitHub already shows the same thing.',
    labelNames: ['kind'],
    registers: [registry],
  });
  new Gauge({
    name: 'slo_gate_recheck_queue_length',
    help: 'Pull requests waiting to be evaluated again.',
    registers: [registry],
    async collect() {
      this.set(await pendingRechecks());
    },
  });
  return {
    registry,
    evaluated(state, seconds) {
      decisions.inc({ state });
      evaluations.observe(seconds);
    },
    queried(outcome) {
      queries.inc({ outcome });
    },
    cacheHit() {
      hits.inc();
    },
    wroteToGitHub(kind) {
      writes.inc({ kind });
    },
    skippedWrite(kind) {
      skipped.inc({ kind });
    },
  };
}

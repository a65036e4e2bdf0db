import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GateState } from './gate/types.js';

/** What slo-gate counts about itself, for `/metrics`. The engine never sees it: only the edges report. */
export interface Telemetry {
  /** One evaluation of a gate target (a pull request head, an environment, a protection-rule request, …). */
  evaluated(state: GateState, seconds: number, target?: string): void;
  queried(outcome: 'ok' | 'error'): void;
  cacheHit(): void;
  wroteToGitHub(kind: 'status' | 'comment-create' | 'comment-update' | 'reply' | 'review' | 'progress' | 'pull-comment' | 'check-run'): void;
  skippedWrite(kind: 'status' | 'comment' | 'check-run'): void;
  /** One deployment event: a protection-rule decision, a deployment that went out, a regression found. */
  deployment(event: DeploymentEvent): void;
  /** From a protection-rule request's arrival to its decision. */
  protectionRuleWait(seconds: number): void;
  /** From a commit (its committer date) to its successful deployment. */
  leadTime(seconds: number): void;
  /** Fraction of the period's error budget one deployment spent by its last check (verify.ts's budgetSpent). */
  budgetSpentPerDeployment(fraction: number): void;
  grafanaFailed(): void;
  /** GitHub's request budget for an installation, as its last answer said (x-ratelimit-remaining / -limit). */
  rateLimit?(installationId: number, remaining: number, limit: number): void;
  /** A pull-request webhook that found no work slot free for its installation, and was queued as a re-check instead. */
  queuedWebhook?(): void;
  /** Reads the work in flight (running) and waiting for a slot when `/metrics` is scraped. */
  watchWork?(read: () => { running: number; waiting: number }): void;
}

/** Approvals and rejections count deployment attempts; `deployed` counts frequency, `regression` over `deployed` the change failure rate. */
export type DeploymentResult = 'approved' | 'rejected' | 'timed_out' | 'bypassed' | 'not_gated' | 'deployed' | 'regression';

export interface DeploymentEvent {
  /** `owner/name`. */
  repository: string;
  environment: string;
  result: DeploymentResult;
}

export const NO_TELEMETRY: Telemetry = {
  evaluated() {},
  queried() {},
  cacheHit() {},
  wroteToGitHub() {},
  skippedWrite() {},
  deployment() {},
  protectionRuleWait() {},
  leadTime() {},
  budgetSpentPerDeployment() {},
  grafanaFailed() {},
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
  const decisions = new Counter({
    name: 'slo_gate_decisions_total',
    help: 'Evaluations decided, by state and gate target (pull_request, environment, protection_rule, deployment, verification).',
    labelNames: ['state', 'target'],
    registers: [registry],
  });
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
  const delivery = deliveryMetrics(registry);
  new Gauge({
    name: 'slo_gate_recheck_queue_length',
    help: 'Gate targets (pull requests, environments, waiting deployments, verifications) waiting to be evaluated again.',
    registers: [registry],
    async collect() {
      this.set(await pendingRechecks());
    },
  });
  const rateLimit = rateLimitMetrics(registry);
  const queuedWebhooks = new Counter({
    name: 'slo_gate_webhooks_queued_total',
    help: 'Pull-request webhooks answered at once and queued as a re-check, because no work slot was free for its installation.',
    registers: [registry],
  });
  let readWork: () => { running: number; waiting: number } = () => ({ running: 0, waiting: 0 });
  new Gauge({
    name: 'slo_gate_work_in_flight',
    help: 'Webhook handlers and jobs in this process, running or waiting for a work slot.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const { running, waiting } = readWork();
      this.set({ state: 'running' }, running);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  return {
    registry,
    rateLimit,
    queuedWebhook: () => queuedWebhooks.inc(),
    watchWork: (read) => void (readWork = read),
    evaluated(state, seconds, target = 'pull_request') {
      decisions.inc({ state, target });
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
    ...delivery,
  };
}

/** GitHub's request budget per installation; the label's values are bounded by the installations of the App. */
function rateLimitMetrics(registry: Registry): NonNullable<Telemetry['rateLimit']> {
  const remaining = new Gauge({
    name: 'slo_gate_github_rate_limit_remaining',
    help: "Requests left in the installation's GitHub budget, as GitHub's last answer said.",
    labelNames: ['installation'],
    registers: [registry],
  });
  const limit = new Gauge({
    name: 'slo_gate_github_rate_limit_limit',
    help: "The installation's GitHub request budget per hour, as GitHub's last answer said.",
    labelNames: ['installation'],
    registers: [registry],
  });
  return (installationId, left, of) => {
    remaining.set({ installation: String(installationId) }, left);
    limit.set({ installation: String(installationId) }, of);
  };
}

const HOUR = 3600;
const DAY = 86_400;

/**
 * Delivery metrics, in base units: deployment frequency and change failure rate come from
 * `slo_gate_deployments_total` by result, lead time and wait from the histograms, without
 * another tool. A value that is not a finite number is dropped; a negative duration (clock skew
 * between GitHub and this host) counts as 0.
 */
function deliveryMetrics(registry: Registry): Pick<Telemetry, 'deployment' | 'protectionRuleWait' | 'leadTime' | 'budgetSpentPerDeployment' | 'grafanaFailed'> {
  const deployments = new Counter({
    name: 'slo_gate_deployments_total',
    help: 'Deployment events by repository, environment and result (approved, rejected, timed_out, bypassed, not_gated, deployed, regression).',
    labelNames: ['repository', 'environment', 'result'],
    registers: [registry],
  });
  const wait = new Histogram({
    name: 'slo_gate_protection_rule_wait_seconds',
    help: 'Time from a deployment protection rule request to its approval or rejection.',
    buckets: [1, 10, 60, 300, 900, 1800, HOUR, 2 * HOUR, 6 * HOUR, DAY, 7 * DAY, 30 * DAY],
    registers: [registry],
  });
  const lead = new Histogram({
    name: 'slo_gate_lead_time_seconds',
    help: 'Time from a commit to its successful deployment.',
    buckets: [300, 900, 1800, HOUR, 3 * HOUR, 6 * HOUR, DAY, 3 * DAY, 7 * DAY, 30 * DAY],
    registers: [registry],
  });
  const spent = new Histogram({
    name: 'slo_gate_deployment_error_budget_spent_ratio',
    help: "Fraction of the SLO period's error budget one deployment spent by its last post-deploy check.",
    buckets: [0.0001, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const grafana = new Counter({
    name: 'slo_gate_grafana_annotation_failures_total',
    help: 'Grafana annotations that could not be posted.',
    registers: [registry],
  });
  const observe = (histogram: Histogram, value: number) => {
    if (Number.isFinite(value)) histogram.observe(Math.max(0, value));
  };
  return {
    deployment({ repository, environment, result }) {
      deployments.inc({ repository, environment, result });
    },
    protectionRuleWait: (seconds) => observe(wait, seconds),
    leadTime: (seconds) => observe(lead, seconds),
    budgetSpentPerDeployment: (fraction) => observe(spent, fraction),
    grafanaFailed() {
      grafana.inc();
    },
  };
}

import type { ApplicationFunctionOptions, Logger, Probot } from 'probot';
import { appIdentity } from './github/bot-identity.js';
import { onCheckRunRerequested, onCheckSuiteRerequested } from './handlers/check-run.js';
import { deploymentJobs } from './handlers/deployment-jobs.js';
import { onDeployment, onDeploymentStatus, onProtectionRule } from './handlers/deployments.js';
import { onPush } from './handlers/push.js';
import { installationOf, onPullRequest, PULL_REQUEST_EVENTS } from './handlers/pull-request.js';
import { onRecheckCommand } from './handlers/recheck-command.js';
import { recheckJob } from './handlers/recheck.js';
import type { GateServices } from './handlers/services.js';
import { EVALUATION_DEADLINE_MS } from './evaluate.js';
import { withRequestTimeout } from './github/request-timeout.js';
import { operationalEndpoints } from './http-endpoints.js';
import { cachedPolicy } from './org/policy-cache.js';
import { detailsHandler, linksOf, type DetailsDependencies } from './details/wire.js';
import { GROUP_JOB_KIND } from './org/gate-group.js';
import { orgJobs } from './org/jobs.js';
import { onPullRequestClosed } from './org/on-pull-request-closed.js';
import { rateLimitWatcher, watchRateLimit } from './org/rate-limit.js';
import { cachedSource } from './metrics/cached-source.js';
import { limitedSource } from './metrics/limited-source.js';
import type { RangeSource } from './metrics/range-source.js';
import type { MetricsSource } from './metrics/source.js';
import type { Registry } from 'prom-client';
import type { Job, Store } from './state/store.js';
import { inFlightWork, oncePerDelivery } from './targets/deliveries.js';
import { neverDropped } from './targets/durable.js';
import { storeOutage, type StoreOutageOptions } from './targets/store-outage.js';
import { BASE_BACKOFF_MS } from './targets/retry.js';
import { WORK_IN_FLIGHT, workSlots } from './targets/work-slots.js';
import { NO_TELEMETRY, type Telemetry } from './telemetry.js';

export interface AppDependencies {
  metrics: MetricsSource;
  store: Store;
  telemetry?: Telemetry & { registry?: Registry };
  recheckIntervalMs?: number;
  queryCacheTtlMs?: number;
  /** First wait before failed work is tried again; default BASE_BACKOFF_MS (30 s). */
  retryBaseMs?: number;
  /** Default EVALUATION_DEADLINE_MS. */
  evaluationDeadlineMs?: number;
  random?: () => number;
  /** How a replica waits out an unreachable store (ping interval, catch-up spread); defaults in store-outage.ts. */
  storeOutage?: StoreOutageOptions;
  /** The clock for waiting deployments and verification offsets; Date.now by default. */
  now?: () => number;
  /** Marks deployments and regressions on the operator's dashboards (Grafana); must never throw. */
  annotate?: GateServices['annotate'];
  /** Details links and pages (PUBLIC_URL set, src/details); absent: no links, no page. */
  details?: DetailsDependencies;
  /** How long a repository's policy is reused; default POLICY_CACHE_TTL_MS (1 h), 0: read for every evaluation. */
  policyCacheTtlMs?: number;
  /** Blocked pull requests are re-checked per gate group (src/org/); false: each on its own. Default true. */
  gateGroups?: boolean;
  /** Range queries for the policy preview's backtest in pull requests that change the policy; absent: no backtest. */
  rangeMetrics?: RangeSource;
  /** Webhook handlers and jobs running at once in this process; default WORK_IN_FLIGHT. */
  workInFlight?: number;
}

/** Queries in flight to the metrics server from this process, whatever the number of evaluations. */
const MAX_QUERIES_IN_FLIGHT = 24;

/** One GitHub request (each attempt of Octokit's retries) gives up after this, body included. */
export const GITHUB_REQUEST_TIMEOUT_MS = 15_000;

export interface SloGateApp {
  (app: Probot, options?: Partial<ApplicationFunctionOptions>): void;
  /** Lets webhook work and jobs in flight finish, for at most `graceMs`; true when all finished. */
  drain(graceMs: number): Promise<boolean>;
}

/** Wires webhook events, scheduled re-checks and the operational endpoints to their handlers, and nothing else. */
export function createApp(deps: AppDependencies): SloGateApp {
  const inFlight = inFlightWork();
  const wire = (app: Probot, options?: Partial<ApplicationFunctionOptions>): void => {
    const telemetry: Telemetry & { registry?: Registry } = deps.telemetry ?? NO_TELEMETRY;
    const slots = workSlots(deps.workInFlight ?? WORK_IN_FLIGHT, () => telemetry.queuedWebhook?.());
    telemetry.watchWork?.(() => ({ running: slots.running, waiting: slots.waiting }));
    const identity = appIdentity(() => app.auth());
    const rateLimits = rateLimitWatcher((id, budget) => telemetry.rateLimit?.(id, budget.remaining, budget.limit), deps.now);
    const services: GateServices = {
      metrics: cachedSource(limitedSource(deps.metrics, MAX_QUERIES_IN_FLIGHT), deps.store, deps.queryCacheTtlMs ?? 30_000, telemetry),
      store: deps.store,
      telemetry,
      recheckIntervalMs: deps.recheckIntervalMs ?? 300_000,
      evaluationDeadlineMs: deps.evaluationDeadlineMs ?? EVALUATION_DEADLINE_MS,
      retryBaseMs: deps.retryBaseMs ?? BASE_BACKOFF_MS,
      random: deps.random ?? Math.random,
      now: deps.now ?? Date.now,
      annotate: deps.annotate,
      rangeMetrics: deps.rangeMetrics,
      auth: async (installationId) => watchRateLimit(withRequestTimeout(await app.auth(installationId), GITHUB_REQUEST_TIMEOUT_MS), installationId, rateLimits),
      botLogin: identity.botLogin,
      appId: identity.appId,
      details: deps.details && linksOf(deps.details, deps.store, deps.now ?? Date.now),
      rateLimits,
      policyCacheTtlMs: deps.policyCacheTtlMs,
      gateGroups: deps.gateGroups,
    };
    const log = app.log.child({ name: 'slo-gate' });
    const once = oncePerDelivery(deps.store);
    const outage = storeOutage(deps.store, log, { random: services.random, ...deps.storeOutage });
    // Every handler and job takes a work slot; pull-request events, the bulk of a burst, queue themselves when none is free.
    const on = <C extends { id: string; log: Logger; payload: object }>(handler: (context: C) => Promise<void>) =>
      inFlight.track(once((context: C) => slots.wait(installationOf(context.payload), () => handler(context))));
    app.on([...PULL_REQUEST_EVENTS], inFlight.track(once(onPullRequest(services, outage, slots))));
    app.on('issue_comment.created', on(onRecheckCommand(services)));
    app.on('pull_request.closed', on(onPullRequestClosed(services)));
    app.on('push', on(onPush(services)));
    app.on('check_run.rerequested', on(onCheckRunRerequested(services)));
    app.on('check_suite.rerequested', on(onCheckSuiteRerequested(services)));
    app.on('deployment_protection_rule.requested', on(onProtectionRule(services)));
    app.on('deployment.created', on(onDeployment(services)));
    app.on('deployment_status.created', on(onDeploymentStatus(services)));

    const jobs = neverDropped({ recheck: recheckJob(services, log), ...orgJobs(services, log), ...deploymentJobs(services, log) }, services, log);
    deps.store.jobs.process(
      Object.fromEntries(
        Object.entries(jobs).map(([kind, handler]) => [
          kind,
          inFlight.track((job: Job) => slots.wait(URGENT_JOBS.has(job.kind) ? undefined : jobInstallation(job), () => handler(job))),
        ]),
      ),
      (job, error) => log.error({ err: error, job: job.id }, 'slo-gate job failed and could not be rescheduled; the store tries it again'),
    );
    try {
      options?.addHandler?.(operationalEndpoints(deps.store, telemetry.registry));
      if (deps.details)
        options?.addHandler?.(detailsHandler(deps.details, { app, log, ...services, loadPolicy: (octokit, where) => cachedPolicy(services, octokit, where) }));
    } catch (error) {
      // Loaded without Probot's server (createNodeMiddleware, serverless): the host serves health itself.
      log.debug({ err: error }, 'no HTTP server: /healthz, /readyz and /metrics are not mounted');
    }
  };
  return Object.assign(wire, { drain: (graceMs: number) => inFlight.drain(graceMs) });
}

/**
 * Jobs a person is waiting on whatever the backlog: a gate group's look (its reopening fan-out) and a
 * waiting deployment's decision. They skip their installation's queue of re-checks (a burst's
 * backlog drains at GitHub's write pace) and wait only for a free slot.
 */
const URGENT_JOBS = new Set([GROUP_JOB_KIND, 'protection-rule']);

/** The installation a job works for, when its data names one (re-checks, gate groups, reconciliations, deployments). */
function jobInstallation(job: Job): number | undefined {
  const id = job.data.installationId;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

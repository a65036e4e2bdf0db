import type { ApplicationFunctionOptions, Logger, Probot } from 'probot';
import { onPolicyPush } from './handlers/policy-push.js';
import { onPullRequest, PULL_REQUEST_EVENTS } from './handlers/pull-request.js';
import { onRecheckCommand } from './handlers/recheck-command.js';
import { recheckJob } from './handlers/recheck.js';
import type { GateServices } from './handlers/services.js';
import { operationalEndpoints } from './http-endpoints.js';
import { cachedSource } from './metrics/cached-source.js';
import { limitedSource } from './metrics/limited-source.js';
import type { MetricsSource } from './metrics/source.js';
import type { Registry } from 'prom-client';
import type { Store } from './state/store.js';
import { NO_TELEMETRY, type Telemetry } from './telemetry.js';

export interface AppDependencies {
  metrics: MetricsSource;
  store: Store;
  telemetry?: Telemetry & { registry?: Registry };
  recheckIntervalMs?: number;
  queryCacheTtlMs?: number;
  random?: () => number;
}

/** Queries in flight to the metrics server from this process, whatever the number of evaluations. */
const MAX_QUERIES_IN_FLIGHT = 24;

/** GitHub redelivers a webhook at most days later; remember delivery ids that long. */
const DELIVERY_TTL_MS = 3 * 86_400_000;

/** Wires webhook events, scheduled re-checks and the operational endpoints to their handlers, and nothing else. */
export function createApp(deps: AppDependencies) {
  return (app: Probot, options?: Partial<ApplicationFunctionOptions>): void => {
    const telemetry: Telemetry & { registry?: Registry } = deps.telemetry ?? NO_TELEMETRY;
    const services: GateServices = {
      metrics: cachedSource(limitedSource(deps.metrics, MAX_QUERIES_IN_FLIGHT), deps.store, deps.queryCacheTtlMs ?? 30_000, telemetry),
      store: deps.store,
      telemetry,
      recheckIntervalMs: deps.recheckIntervalMs ?? 300_000,
      random: deps.random ?? Math.random,
      auth: (installationId) => app.auth(installationId),
    };
    const once = oncePerDelivery(deps.store);
    app.on([...PULL_REQUEST_EVENTS], once(onPullRequest(services)));
    app.on('issue_comment.created', once(onRecheckCommand(services)));
    app.on('push', once(onPolicyPush(services)));

    const log = app.log.child({ name: 'slo-gate' });
    deps.store.jobs.process({ recheck: recheckJob(services, log) }, (job, error) =>
      log.error({ err: error, job: job.id }, 'slo-gate re-check failed; it will be tried again'),
    );
    try {
      options?.addHandler?.(operationalEndpoints(deps.store, telemetry.registry));
    } catch (error) {
      // Loaded without Probot's server (createNodeMiddleware, serverless): the host serves health itself.
      log.debug({ err: error }, 'no HTTP server: /healthz, /readyz and /metrics are not mounted');
    }
  };
}

/** A webhook GitHub delivers twice (same `X-GitHub-Delivery`) is processed once; a failed one may be redelivered. */
function oncePerDelivery(store: Store) {
  return <C extends { id: string; log: Logger }>(handler: (context: C) => Promise<void>) =>
    async (context: C): Promise<void> => {
      const key = `delivery:${context.id}`;
      if (!(await store.claimOnce(key, DELIVERY_TTL_MS))) {
        context.log.info({ delivery: context.id }, 'duplicate delivery ignored');
        return;
      }
      try {
        await handler(context);
      } catch (error) {
        await store.release(key);
        throw error;
      }
    };
}

import type { ApplicationFunctionOptions, Probot } from 'probot';
import { collectDefaultMetrics } from 'prom-client';
import { createApp } from './app.js';
import { INSECURE_DEV_WEBHOOKS, loadDetailsConfig, loadOperatorConfig, requireWebhookSecret } from './config.js';
import { createGrafana, loadGrafanaConfig } from './integrations/grafana.js';
import { createPrometheusClient, createPrometheusRangeClient } from './metrics/prometheus-client.js';
import { createMemoryStore } from './state/memory-store.js';
import type { RedisStoreOptions } from './state/redis-store.js';
import type { Store } from './state/store.js';
import { createTelemetry } from './telemetry.js';

/** How long SIGTERM waits for work in flight before the process exits. */
const SHUTDOWN_GRACE_MS = 20_000;

/**
 * Entry point for `probot run`: reads the operator's environment once (a bad value stops the app
 * here, naming the variable), picks the store (Redis with REDIS_URL, else memory), and wires the app.
 */
export default async function sloGate(app: Probot, options: ApplicationFunctionOptions): Promise<void> {
  // Before anything else: without a real secret, anyone could forge a webhook (and a bypass).
  const { insecureDevWebhooks } = requireWebhookSecret(process.env);
  const config = loadOperatorConfig(process.env);
  const details = loadDetailsConfig(process.env);
  const log = app.log.child({ name: 'slo-gate' });
  if (insecureDevWebhooks) {
    log.warn(
      `INSECURE: ${INSECURE_DEV_WEBHOOKS}=1 and no WEBHOOK_SECRET. Webhooks are checked against Probot's public fallback secret, ` +
        'so anyone who can reach this server can forge events and bypass the gate. For a developer machine only.',
    );
  }
  const store = config.redisUrl ? await redisStore(config.redisUrl, log) : createMemoryStore();
  const telemetry = createTelemetry(() => store.jobs.pending());
  // The process's own: resident memory, heap, event-loop delay, GC (prom-client's standard names).
  collectDefaultMetrics({ register: telemetry.registry });
  const grafanaConfig = loadGrafanaConfig(process.env);
  const grafana = grafanaConfig && createGrafana(grafanaConfig);
  const gate = createApp({
    annotate:
      grafana &&
      (async (annotation) => {
        // A dashboard marker is a nicety: a failing Grafana is logged and counted, never blocks anything.
        const result = await grafana.annotate(annotation);
        if (!result.ok) {
          telemetry.grafanaFailed();
          log.warn({ problem: result.problem }, 'could not post a Grafana annotation');
        }
      }),
    metrics: createPrometheusClient(config.prometheus),
    rangeMetrics: createPrometheusRangeClient(config.prometheus),
    store,
    telemetry,
    recheckIntervalMs: config.recheckIntervalMs,
    queryCacheTtlMs: config.queryCacheTtlMs,
    details: details && { ...details, range: createPrometheusRangeClient(config.prometheus) },
  });
  gate(app, options);

  // A handler that throws is logged by Probot; a promise nobody awaited must not take the process down either.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  const shutdown = async (signal: string) => {
    // Kubernetes waits 30 s after SIGTERM by default: finish what is in flight within most of that.
    log.info(`${signal}: finishing work in flight (at most ${SHUTDOWN_GRACE_MS / 1000} s), then closing the store`);
    const finished = await gate.drain(SHUTDOWN_GRACE_MS);
    if (!finished) log.warn('work still in flight at shutdown; its targets are evaluated again by their re-checks');
    await store.close().catch((error: unknown) => log.warn({ err: error }, 'closing the store failed'));
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  log.info(
    { store: config.redisUrl ? 'redis' : 'memory', recheckIntervalMs: config.recheckIntervalMs, queryCacheTtlMs: config.queryCacheTtlMs },
    'slo-gate ready',
  );
}

/** Loaded only when Redis is used: BullMQ and ioredis cost a single replica about 13 MB of memory for nothing. */
async function redisStore(url: string, log: RedisStoreOptions['log']): Promise<Store> {
  const { createRedisStore } = await import('./state/redis-store.js');
  return createRedisStore({ url, log });
}

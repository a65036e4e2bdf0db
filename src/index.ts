import type { ApplicationFunctionOptions, Probot } from 'probot';
import { createApp } from './app.js';
import { INSECURE_DEV_WEBHOOKS, loadOperatorConfig, requireWebhookSecret } from './config.js';
import { createPrometheusClient } from './metrics/prometheus-client.js';
import { createMemoryStore } from './state/memory-store.js';
import { createRedisStore } from './state/redis-store.js';
import { createTelemetry } from './telemetry.js';

/**
 * Entry point for `probot run`: reads the operator's environment once (a bad value stops the app
 * here, naming the variable), picks the store (Redis with REDIS_URL, else memory), and wires the app.
 */
export default function sloGate(app: Probot, options: ApplicationFunctionOptions): void {
  // Before anything else: without a real secret, anyone could forge a webhook (and a bypass).
  const { insecureDevWebhooks } = requireWebhookSecret(process.env);
  const config = loadOperatorConfig(process.env);
  const log = app.log.child({ name: 'slo-gate' });
  if (insecureDevWebhooks) {
    log.warn(
      `INSECURE: ${INSECURE_DEV_WEBHOOKS}=1 and no WEBHOOK_SECRET. Webhooks are checked against Probot's public fallback secret, ` +
        'so anyone who can reach this server can forge events and bypass the gate. For a developer machine only.',
    );
  }
  const store = config.redisUrl ? createRedisStore({ url: config.redisUrl, log }) : createMemoryStore();
  const telemetry = createTelemetry(() => store.jobs.pending());
  createApp({
    metrics: createPrometheusClient(config.prometheus),
    store,
    telemetry,
    recheckIntervalMs: config.recheckIntervalMs,
    queryCacheTtlMs: config.queryCacheTtlMs,
  })(app, options);

  // A handler that throws is logged by Probot; a promise nobody awaited must not take the process down either.
  process.on('unhandledRejection', (reason) => log.error({ err: reason }, 'unhandled promise rejection'));
  const shutdown = (signal: string) => {
    log.info(`${signal}: closing the store and exiting`);
    void store.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  log.info(
    { store: config.redisUrl ? 'redis' : 'memory', recheckIntervalMs: config.recheckIntervalMs, queryCacheTtlMs: config.queryCacheTtlMs },
    'slo-gate ready',
  );
}

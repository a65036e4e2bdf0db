/**
 * One burst against a freshly started app: a new GitHub stub, a new Prometheus proxy (so the
 * counts are this run's), the app as `probot run` starts it, 600 signed deliveries with bounded
 * concurrency, then a wait until GitHub and Prometheus have been quiet for a while.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startApp } from './app-process.js';
import { analyseBurst, type BurstFigures } from './burst-analysis.js';
import { BYPASS_ACTOR, type BurstPlan, type PlannedDelivery } from './burst-plan.js';
import { startGitHubStub, type GitHubStub } from './github-stub.js';
import { startPrometheusProxy } from './prometheus-proxy.js';
import type { Resources } from './resources.js';
import { sleep } from './stats.js';
import { sendAll } from './webhooks.js';

export const GITHUB_LATENCY_MS = 30;
export const PROMETHEUS_LATENCY_MS = 30;
export const IN_FLIGHT = 50;
/** Sending stops after this long, and a run after RUN_WITHIN_MS whatever is left. */
const SEND_WITHIN_MS = 240_000;
const RUN_WITHIN_MS = 360_000;
/** Longer than the 3 s Octokit leaves between two comment creations, the longest legitimate pause. */
const QUIET_MS = 8_000;

export interface BurstRun {
  label: string;
  queryCacheTtl: string;
  ttlMs: number;
  figures: BurstFigures;
  rss: { sampledPeak: number; hwm: number | undefined };
  cpuSeconds: number | undefined;
  warnings: string[];
  wallMs: number;
}

export async function runBurst(options: {
  label: string;
  plan: BurstPlan;
  prometheusUrl: string;
  queryCacheTtl: string;
  ttlMs: number;
  resources: Resources;
  log: (line: string) => void;
  /** The built app to run (startApp's appEntry); default this working tree's lib/. */
  appEntry?: string;
  /** More variables for the app process (startApp's env). */
  env?: Readonly<Record<string, string>>;
}): Promise<BurstRun> {
  const { plan, resources, log } = options;
  const secret = randomBytes(20).toString('hex');
  const stub = await startGitHubStub({ latencyMs: GITHUB_LATENCY_MS, policies: plan.policies, permissions: { [BYPASS_ACTOR]: 'admin' } });
  const closeStub = resources.add('GitHub stub', () => stub.close());
  const proxy = await startPrometheusProxy(options.prometheusUrl, PROMETHEUS_LATENCY_MS);
  const closeProxy = resources.add('Prometheus proxy', () => proxy.close());
  const app = await startApp({
    githubHost: stub.host,
    prometheusUrl: proxy.url,
    queryCacheTtl: options.queryCacheTtl,
    webhookSecret: secret,
    appEntry: options.appEntry,
    env: options.env,
  }).catch(async (error: unknown) => {
    await closeProxy();
    await closeStub();
    throw error;
  });
  const closeApp = resources.add('slo-gate', () => app.stop());
  const started = performance.now();
  const progress = setInterval(() => {
    log(
      `${options.label}: ${((performance.now() - started) / 1000).toFixed(0)} s, ${stub.statuses.length} statuses, ${stub.requests.filter((r) => r.kind === 'write').length} writes, ${proxy.queries.length} Prometheus queries`,
    );
  }, 20_000);
  try {
    log(`${options.label}: app pid ${app.pid} on port ${app.port}; sending ${plan.deliveries.length} deliveries, ${IN_FLIGHT} in flight`);
    const sent = await sendAll(app.webhookUrl, secret, plan.deliveries, {
      concurrency: IN_FLIGHT,
      deadline: started + SEND_WITHIN_MS,
      beforeSend: (index) => showOnGitHub(stub, plan.deliveries[index]!),
    });
    log(`${options.label}: all answered after ${((performance.now() - started) / 1000).toFixed(1)} s; waiting for GitHub and Prometheus to go quiet`);
    await quiet(() => Math.max(lastOf(stub.requests), lastOf(proxy.queries)), started + RUN_WITHIN_MS);
    const [metrics, usage] = await Promise.all([app.metrics(), app.usage()]);
    const figures = analyseBurst(plan, sent, stub, proxy.queries, metrics, options.ttlMs);
    return {
      label: options.label,
      queryCacheTtl: options.queryCacheTtl,
      ttlMs: options.ttlMs,
      figures,
      rss: { sampledPeak: usage.sampledPeakRss, hwm: usage.hwm },
      cpuSeconds: usage.cpuSeconds,
      warnings: app.output().warnings,
      wallMs: performance.now() - started,
    };
  } finally {
    clearInterval(progress);
    await closeApp();
    await closeProxy();
    await closeStub();
  }
}

/** What GitHub shows before it sends the webhook: the pull request's head and labels, the label event. */
function showOnGitHub(stub: GitHubStub, d: PlannedDelivery): void {
  const { owner, repo, number, sha, updatedAt, labels, action, label, sender } = d.event;
  if (d.expect === 'duplicate') return;
  if (d.expect !== 'late') stub.setPullRequest(`${owner}/${repo}`, number, { sha, updatedAt, labels });
  if (action === 'labeled' && label) stub.recordLabel(`${owner}/${repo}`, number, label, sender, updatedAt);
}

function lastOf(records: ReadonlyArray<{ arrivedAt: number }>): number {
  return records.length > 0 ? records[records.length - 1]!.arrivedAt : 0;
}

/** Waits until `lastActivity()` is QUIET_MS in the past, or the deadline passes. */
async function quiet(lastActivity: () => number, deadline: number): Promise<void> {
  while (performance.now() < deadline && performance.now() - lastActivity() < QUIET_MS) await sleep(250);
}

/**
 * B. One event on an idle app: how long from a `pull_request.opened` delivery to its commit status,
 * with GitHub answering in 30 ms and Prometheus behind a proxy that adds 30 ms (the synthetic
 * server alone answers in a millisecond or two). Twenty events on twenty repositories in four
 * installations, spaced so Octokit's write spacing never holds one back, with the query cache off
 * so every event asks Prometheus itself. Runs alone with `npx tsx bench/load-idle.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SyntheticPrometheus } from '../test/support/prometheus-harness.js';
import { buildIfStale, startApp } from './support/app-process.js';
import { policyYaml, startBenchPrometheus, type BenchSlo } from './support/bench-slos.js';
import { startGitHubStub } from './support/github-stub.js';
import { startPrometheusProxy } from './support/prometheus-proxy.js';
import { withResources, type Resources } from './support/resources.js';
import { ms, sleep, summarize, table, type Summary } from './support/stats.js';
import { sendWebhook, type Delivery } from './support/webhooks.js';
import { runWhenMain, type Benchmark } from './section.js';

export const IDLE_LATENCY_MS = 30;
const EVENTS = 20;
const INSTALLATIONS = [41_001, 41_002, 41_003, 41_004];
/** More than two writes' spacing (status, then a comment), so no event waits for the previous one's writes. */
const SPACING_MS = 2_500;
const WAIT_FOR_STATUS_MS = 10_000;
const TARGET_MS = 300;
const POLICIES: BenchSlo[][] = [['healthy'], ['fast-burn'], ['incident', 'healthy'], ['slow-burn', 'exhausted']];

export interface IdleEvent {
  repo: string;
  slos: number;
  /** Send to the status POST's arrival at the stub, and to the stub's answer (the status is written). */
  arrivedMs: number | undefined;
  writtenMs: number | undefined;
  /** When, after sending, the policy read, the first and the last Prometheus query arrived. */
  policyMs: number | undefined;
  firstQueryMs: number | undefined;
  lastQueryMs: number | undefined;
  queries: number;
  answerMs: number;
}

export interface IdleResult {
  warmUp: IdleEvent[];
  events: IdleEvent[];
  arrived: Summary;
  written: Summary;
  within: number;
}

export async function measureIdle(prometheus: SyntheticPrometheus, resources: Resources, log: (line: string) => void): Promise<IdleResult> {
  const repos = Array.from({ length: EVENTS }, (_, i) => ({
    owner: `idle-org-${i % INSTALLATIONS.length}`,
    repo: `idle-${String(i).padStart(2, '0')}`,
    installationId: INSTALLATIONS[i % INSTALLATIONS.length]!,
    slos: POLICIES[i % POLICIES.length]!,
  }));
  const warmRepos = INSTALLATIONS.map((installationId, i) => ({ owner: `idle-org-${i}`, repo: 'warm-up', installationId, slos: POLICIES[0]! }));
  const policies = new Map([...repos, ...warmRepos].map((r) => [`${r.owner}/${r.repo}`, policyYaml(r.slos)]));
  const secret = randomBytes(20).toString('hex');
  const stub = await startGitHubStub({ latencyMs: IDLE_LATENCY_MS, policies });
  const closeStub = resources.add('GitHub stub', () => stub.close());
  const proxy = await startPrometheusProxy(prometheus.url, IDLE_LATENCY_MS);
  const closeProxy = resources.add('Prometheus proxy', () => proxy.close());
  try {
    const app = await startApp({ githubHost: stub.host, prometheusUrl: proxy.url, queryCacheTtl: '0', webhookSecret: secret });
    const closeApp = resources.add('slo-gate', () => app.stop());
    try {
      const one = async (r: (typeof repos)[number], index: number): Promise<IdleEvent> => {
        const sha = randomBytes(20).toString('hex');
        const delivery: Delivery = {
          id: `idle-${index}-${randomBytes(6).toString('hex')}`,
          event: {
            action: 'opened',
            installationId: r.installationId,
            owner: r.owner,
            repo: r.repo,
            number: 1,
            sha,
            updatedAt: new Date().toISOString(),
            labels: [],
            draft: false,
            sender: 'dev',
          },
        };
        stub.setPullRequest(`${r.owner}/${r.repo}`, 1, { sha, updatedAt: delivery.event.updatedAt, labels: [] });
        const firstQuery = proxy.queries.length;
        const sent = await sendWebhook(app.webhookUrl, secret, delivery);
        const deadline = performance.now() + WAIT_FOR_STATUS_MS;
        const status = () => stub.statuses.find((s) => s.delivery === delivery.id && Number.isFinite(s.answeredAt));
        while (!status() && performance.now() < deadline) await sleep(20);
        const written = status();
        const policyRead = stub.requests.find((q) => q.delivery === delivery.id && q.route.includes('/contents/'));
        const queries = proxy.queries.slice(firstQuery).filter((q) => q.arrivedAt >= sent.sentAt && (!written || q.arrivedAt <= written.arrivedAt));
        return {
          repo: `${r.owner}/${r.repo}`,
          slos: r.slos.length,
          arrivedMs: written && written.arrivedAt - sent.sentAt,
          writtenMs: written && written.answeredAt - sent.sentAt,
          policyMs: policyRead && policyRead.arrivedAt - sent.sentAt,
          firstQueryMs: queries[0] && queries[0].arrivedAt - sent.sentAt,
          lastQueryMs: queries.at(-1) && queries.at(-1)!.arrivedAt - sent.sentAt,
          queries: queries.length,
          answerMs: sent.answeredAt - sent.sentAt,
        };
      };
      log(`idle: app pid ${app.pid}; one warm-up event per installation (fetches its token), then ${EVENTS} events ${SPACING_MS / 1000} s apart`);
      const warmUp: IdleEvent[] = [];
      for (const [i, r] of warmRepos.entries()) {
        warmUp.push(await one(r, 100 + i));
        await sleep(SPACING_MS);
      }
      const events: IdleEvent[] = [];
      for (const [i, r] of repos.entries()) {
        events.push(await one(r, i));
        await sleep(SPACING_MS);
      }
      const arrived = events.flatMap((e) => (e.arrivedMs === undefined ? [] : [e.arrivedMs]));
      const written = events.flatMap((e) => (e.writtenMs === undefined ? [] : [e.writtenMs]));
      return { warmUp, events, arrived: summarize(arrived), written: summarize(written), within: written.filter((w) => w <= TARGET_MS).length };
    } finally {
      await closeApp();
    }
  } finally {
    await closeProxy();
    await closeStub();
  }
}

export function renderIdle(result: IdleResult): string {
  const { events, written, arrived } = result;
  const met = written.count === events.length && (written.max ?? Infinity) <= TARGET_MS;
  const median = (pick: (e: IdleEvent) => number | undefined) => ms(summarize(events.flatMap((e) => (pick(e) === undefined ? [] : [pick(e)!]))).p50);
  return [
    `**Target: the status is written within ${TARGET_MS} ms of receipt — ${met ? 'met' : 'not met'}.** ${result.within} of ${events.length} events were; p50 ${ms(written.p50)}, max ${ms(written.max)} (to the stub's answer to the status POST; to its arrival: p50 ${ms(arrived.p50)}, max ${ms(arrived.max)}).`,
    '',
    `Where the time goes (medians, from sending the webhook): the policy read arrives at GitHub after ${median((e) => e.policyMs)}, the first Prometheus query after ${median((e) => e.firstQueryMs)}, the last after ${median((e) => e.lastQueryMs)}, the status POST after ${median((e) => e.arrivedMs)}. The webhook itself is answered after ${median((e) => e.answerMs)} (Probot answers once the handler is done).`,
    '',
    table(
      ['event', 'SLOs', 'Prometheus queries', 'status POST arrived', 'status written'],
      events.map((e, i) => [String(i + 1), String(e.slos), String(e.queries), ms(e.arrivedMs), ms(e.writtenMs)]),
    ),
    '',
    `First event of each installation (warm-up, not counted above; it also fetches the installation token): ${result.warmUp.map((e) => ms(e.writtenMs)).join(', ')}.`,
    '',
    `How: a fresh app process (QUERY_CACHE_TTL=0, so every event queries Prometheus: the cold-cache case), GitHub stub and Prometheus proxy both adding ${IDLE_LATENCY_MS} ms; one \`opened\` event at a time on its own repository, ${SPACING_MS / 1000} s apart, so neither Octokit's 1 s write spacing nor its 3 s comment spacing holds an event back. A policy has one or two SLOs: 10 or 20 instant queries, 8 in flight at a time.`,
  ].join('\n');
}

export const idleLatency: Benchmark = async ({ log }) =>
  withResources(log, async (resources) => {
    await buildIfStale(log);
    const prometheus = await startBenchPrometheus();
    const stopPrometheus = resources.add('Prometheus', () => prometheus.stop());
    try {
      return { title: 'One event on an idle app', markdown: renderIdle(await measureIdle(prometheus, resources, log)) };
    } finally {
      await stopPrometheus();
    }
  });

runWhenMain(import.meta.url, idleLatency);

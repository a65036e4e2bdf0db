/**
 * One run of the org-wide incident against freshly started app(s): open N pull requests with
 * signed webhooks while the shared SLO burns, wait until each shows `failure`, measure K intervals
 * in which nothing changes, open one more pull request (webhook → status), then let the burn
 * recover and time the fan-out of `success`, with one more pull request opened while it writes.
 * A seeded run (large N) shows most `failure` statuses up front and skips the recovery: openSeeded.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SyntheticPrometheus } from '../../test/support/prometheus-harness.js';
import { metricSum, startApp, type AppProcess } from './app-process.js';
import { startGitHubStub, type GitHubStub, type StubRequest } from './github-stub.js';
import { AFTER_S, DURING_S, INSTALLATION, OWN_SLOS, OWNER, REPOSITORIES, orgPolicies, planPullRequests, shaOf, type PlannedPullRequest } from './org-plan.js';
import type { Resources } from './resources.js';
import { sleep } from './stats.js';
import { startTimeShiftProxy, type ShiftedQuery, type TimeShiftProxy } from './time-shift-proxy.js';
import { sendAll, sendWebhook, type Delivery } from './webhooks.js';

export const INTERVAL_MS = 30_000;
/** QUERY_CACHE_TTL at a tenth of the interval, as the default 30 s is of the default 5 min: queries per interval scale to the default. */
export const CACHE_TTL = '3s';
const STUB_LATENCY_MS = 20;
export const PROMETHEUS_TIMEOUT_MS = 30_000;
const IN_FLIGHT = 50;
const CONTEXT = 'slo-gate';

export interface OrgRunOptions {
  label: string;
  prs: number;
  replicas: number;
  redisUrl?: string;
  /** Intervals measured while nothing changes. */
  steadyIntervals: number;
  prometheus: SyntheticPrometheus;
  resources: Resources;
  log: (line: string) => void;
  /** The built app (snapshot-build.ts). */
  appEntry?: string;
  /** Runs of at least this many pull requests are seeded (see openSeeded); undefined: none. */
  seededFrom?: number;
}

export interface SteadyWindow {
  seconds: number;
  intervals: number;
  requests: StubRequest[];
  queries: ShiftedQuery[];
  statusWrites: number;
}

export interface OrgRun {
  label: string;
  prs: number;
  replicas: number;
  /**
   * Seeded: one pull request per policy was opened and written as usual, the others were shown the
   * same `failure` before their webhooks (as if written earlier), so opening is "every pull request
   * evaluated", and recovery and the fan-out probe are not run (each would take N × 1 s of writes).
   */
  seeded: boolean;
  /** First opened webhook → every pull request shows a status (failure expected); undefined: not within the cap. */
  openedMs: number | undefined;
  blockedAfterOpening: number;
  steady: SteadyWindow | undefined;
  /** Webhook sent → status at the stub, for a pull request opened while blocked, and one opened while the fan-out writes. */
  newDuringIncidentMs: number | undefined;
  newDuringFanOutMs: number | undefined;
  newDuringFanOutWritesBefore: number;
  /** Burn back under the limits → the last of the N statuses is `success`; and how many made it. */
  recoveryMs: number | undefined;
  recovered: number;
  /** Recovery: burn back under the limits → first `success` status. */
  firstSuccessMs: number | undefined;
  totals: { requests: number; statusWrites: number; duplicateWrites: number; queries: number; overBudget: number; wallSeconds: number };
  byRoute: Map<string, number>;
  rss: number[];
  cpuSeconds: number[];
  warnings: string[];
  unexpected: string[];
}

export async function runOrg(options: OrgRunOptions): Promise<OrgRun> {
  const { prs, prometheus, resources } = options;
  const say = (line: string) => options.log(`${options.label}: ${line}`);
  const started = performance.now();
  const secret = randomBytes(20).toString('hex');
  const proxy = await startTimeShiftProxy(prometheus.url, prometheus.t0 + DURING_S);
  const closeProxy = resources.add(`${options.label} Prometheus proxy`, () => proxy.close());
  const stub = await startGitHubStub({ latencyMs: STUB_LATENCY_MS, policies: orgPolicies() });
  const closeStub = resources.add(`${options.label} GitHub stub`, () => stub.close());
  const apps: AppProcess[] = [];
  const closers: Array<() => Promise<void>> = [];
  const result: OrgRun = {
    label: options.label,
    prs,
    replicas: options.replicas,
    seeded: options.seededFrom !== undefined && prs >= options.seededFrom,
    openedMs: undefined,
    blockedAfterOpening: 0,
    steady: undefined,
    newDuringIncidentMs: undefined,
    newDuringFanOutMs: undefined,
    newDuringFanOutWritesBefore: 0,
    recoveryMs: undefined,
    recovered: 0,
    firstSuccessMs: undefined,
    totals: { requests: 0, statusWrites: 0, duplicateWrites: 0, queries: 0, overBudget: 0, wallSeconds: 0 },
    byRoute: new Map(),
    rss: [],
    cpuSeconds: [],
    warnings: [],
    unexpected: [],
  };
  const progress = setInterval(() => {
    const latest = latestStates(stub);
    const count = (state: string) => [...latest.values()].filter((s) => s === state).length;
    say(
      `${((performance.now() - started) / 1000).toFixed(0)} s: ${stub.requests.length} requests, ${stub.statuses.length} status writes (now ${count('failure')} failure, ${count('success')} success, ${count('error')} error), ${proxy.log.length} queries`,
    );
    const error = stub.statuses.findLast((st) => st.state === 'error');
    if (error) say(`the latest error status: ${error.description}`);
  }, 30_000);
  try {
    for (let r = 0; r < options.replicas; r++) {
      const app = await startApp({
        githubHost: stub.host,
        prometheusUrl: proxy.url,
        webhookSecret: secret,
        queryCacheTtl: CACHE_TTL,
        recheckInterval: `${INTERVAL_MS / 1000}s`,
        appEntry: options.appEntry,
        // A loaded machine (other work shares the cores) can keep the test Prometheus from answering within the default 5 s.
        env: { PROMETHEUS_TIMEOUT_MS: String(PROMETHEUS_TIMEOUT_MS), ...(options.redisUrl ? { SLO_GATE_REDIS_URL: options.redisUrl } : {}) },
      });
      apps.push(app);
      closers.push(resources.add(`${options.label} app ${r + 1}`, () => app.stop()));
    }
    // A load balancer in front of the replicas: deliveries go to each in turn.
    const urlOf = (index: number) => apps[index % apps.length]!.webhookUrl;
    const planned = planPullRequests(prs);

    say(`opening ${prs} pull requests in 50 repositories with signed webhooks, ${IN_FLIGHT} in flight`);
    const openFrom = performance.now();
    // Opening N pull requests in minutes spends a budget that real pull requests spend over days: not counted,
    // so the app does not put off its reconciliation in the measured phase for a budget that phase never spent.
    stub.countBudget(false);
    const deliveries = planned.map((pr, i) => opened(pr, `open-${i}`));
    // Each replica gets every apps.length-th delivery, as a load balancer's turn-taking would.
    const sendEach = async (indexes: number[]) => {
      const sent = await Promise.all(
        apps.map((app, r) => {
          const mine = indexes.filter((_, k) => k % apps.length === r);
          return sendAll(
            app.webhookUrl,
            secret,
            mine.map((i) => deliveries[i]!),
            { concurrency: Math.ceil(IN_FLIGHT / apps.length), deadline: openFrom + 3_600_000, beforeSend: (k) => show(stub, planned[mine[k]!]!) },
          );
        }),
      );
      const refused = sent.flat().filter((s) => !s || s.status < 200 || s.status > 299).length;
      if (refused > 0) say(`${refused} opening webhooks were not accepted`);
    };
    const keys = planned.map((pr) => `${OWNER}/${pr.repo}@${pr.sha}`);
    if (result.seeded) {
      // Seeded statuses are shown from the start: opened means evaluated, not shown.
      if (await openSeeded({ stub, apps, planned, keys, sendEach, say })) result.openedMs = performance.now() - openFrom;
    } else {
      await sendEach(planned.map((_, i) => i));
      const openCap = openFrom + prs * 1500 + 120_000;
      await until(() => keys.every((k) => latestStates(stub).has(k)), openCap, 5000);
      if (keys.every((k) => latestStates(stub).has(k))) result.openedMs = performance.now() - openFrom;
    }
    const latest = latestStates(stub);
    result.blockedAfterOpening = keys.filter((k) => latest.get(k) === 'failure').length;
    say(`opened: ${result.blockedAfterOpening}/${prs} blocked after ${((performance.now() - openFrom) / 1000).toFixed(0)} s; settling one interval`);

    // The incident starts with a full budget, counted from here.
    stub.startNewHour();
    stub.countBudget(true);
    await sleep(INTERVAL_MS);
    const from = performance.now();
    const requestsFrom = stub.requests.length;
    const queriesFrom = proxy.log.length;
    const statusesFrom = stub.statuses.length;
    await sleep(options.steadyIntervals * INTERVAL_MS);
    result.steady = {
      seconds: (performance.now() - from) / 1000,
      intervals: options.steadyIntervals,
      requests: stub.requests.slice(requestsFrom),
      queries: proxy.log.slice(queriesFrom),
      statusWrites: stub.statuses.length - statusesFrom,
    };
    say(
      `steady: ${result.steady.requests.length} requests, ${result.steady.queries.length} queries, ${result.steady.statusWrites} status writes in ${options.steadyIntervals} intervals`,
    );

    const incidentProbe = { repo: 'svc-00', number: 100_001, sha: shaOf('svc-00', 100_001) };
    result.newDuringIncidentMs = await probe(stub, urlOf(0), secret, incidentProbe, 'probe-incident');
    say(`a new pull request during the incident: status after ${fmt(result.newDuringIncidentMs)}`);
    if (!result.seeded) await recover(result, { stub, proxy, prometheus, keys, urlOf, secret, say });

    await sleep(2000);
    const usages = await Promise.all(apps.map((app) => app.usage()));
    result.rss = usages.map((u) => u.hwm ?? u.sampledPeakRss);
    result.cpuSeconds = usages.map((u) => u.cpuSeconds ?? Number.NaN);
    result.warnings = apps.flatMap((app) => app.output().warnings);
    return result;
  } finally {
    clearInterval(progress);
    const seen = new Set<string>();
    let duplicates = 0;
    // A write that repeats what the stub already showed (a seeded status) repeats one as well.
    for (const s of stub.shown) seen.add(`${s.repo}@${s.sha}:${s.context}:${s.state}:${s.description}`);
    for (const s of stub.statuses) {
      const key = `${s.repo}@${s.sha}:${s.context}:${s.state}:${s.description}`;
      if (seen.has(key)) duplicates++;
      seen.add(key);
    }
    result.totals = {
      requests: stub.requests.length,
      statusWrites: stub.statuses.length,
      duplicateWrites: duplicates,
      queries: proxy.log.length,
      overBudget: stub.overBudget(),
      wallSeconds: (performance.now() - started) / 1000,
    };
    for (const r of stub.requests) result.byRoute.set(r.route, (result.byRoute.get(r.route) ?? 0) + 1);
    result.unexpected = [...stub.unexpected];
    for (const close of closers.reverse()) await close();
    await closeStub();
    await closeProxy();
  }
}

interface SeedContext {
  stub: GitHubStub;
  apps: AppProcess[];
  planned: PlannedPullRequest[];
  keys: string[];
  sendEach: (indexes: number[]) => Promise<void>;
  say: (line: string) => void;
}

/** Quiet: no request at the stub for this long. */
const QUIET_MS = 5000;

/**
 * Seeded opening: one pull request per policy is opened and written as usual; every other pull
 * request is shown its policy's `failure` (same context and description) as if the app had written
 * it earlier, and then its webhook is sent. Evaluated (true) when the app has decided N evaluations, nothing
 * waits for a work slot and the stub has been quiet for QUIET_MS (each step capped).
 */
async function openSeeded({ stub, apps, planned, keys, sendEach, say }: SeedContext): Promise<boolean> {
  const policies = OWN_SLOS.length;
  // Pull request j lives in repository j mod 50, whose policy is (j mod 50) mod 3: the first three are one per policy.
  const firsts = planned.slice(0, policies).map((_, i) => i);
  await sendEach(firsts);
  const written = (i: number) => stub.statuses.find((s) => s.context === CONTEXT && `${s.repo}@${s.sha}` === keys[i]);
  await until(() => firsts.every((i) => written(i)?.state === 'failure'), performance.now() + 120_000, 250);
  const descriptions = firsts.map((i) => written(i));
  if (descriptions.some((d) => d?.state !== 'failure')) throw new Error(`seeding: the first pull request of each policy did not show failure within 120 s`);
  planned.forEach((pr, j) => {
    if (j < policies) return;
    const policy = (j % REPOSITORIES) % policies;
    stub.showStatus({ repo: `${OWNER}/${pr.repo}`, sha: pr.sha, state: 'failure', description: descriptions[policy]!.description, context: CONTEXT });
  });
  say(`seeded ${planned.length - policies} pull requests with their policy's failure status; sending their webhooks`);
  await sendEach(planned.map((_, i) => i).slice(policies));

  const sumOf = async (name: string, labels?: string) => {
    const all = await Promise.all(apps.map((app) => app.metrics().then((m) => metricSum(m, name, labels))));
    return all.reduce((a, b) => a + b, 0);
  };
  let decided = 0;
  const decideCap = performance.now() + planned.length * 500 + 300_000;
  while (performance.now() < decideCap && (decided = await sumOf('slo_gate_decisions_total')) < planned.length) await sleep(2000);
  say(`${decided} decisions for ${planned.length} pull requests; waiting for no waiting work and a quiet stub`);
  const settleCap = performance.now() + 600_000;
  for (;;) {
    const waiting = await sumOf('slo_gate_work_in_flight', 'state="waiting"');
    const last = stub.requests.at(-1)?.arrivedAt ?? 0;
    if (waiting === 0 && performance.now() - last >= QUIET_MS) break;
    if (performance.now() >= settleCap) {
      say(`seeding: still ${waiting} waiting for a work slot, or the stub not quiet, after the cap`);
      break;
    }
    await sleep(1000);
  }
  if (decided < planned.length) say(`seeding: only ${decided} of ${planned.length} evaluated within the cap`);
  return decided >= planned.length;
}

interface RecoveryContext {
  stub: GitHubStub;
  proxy: TimeShiftProxy;
  prometheus: SyntheticPrometheus;
  keys: string[];
  urlOf: (index: number) => string;
  secret: string;
  say: (line: string) => void;
}

/** Lets the burn recover and times the fan-out of `success`, with one more pull request opened while it writes. */
async function recover(result: OrgRun, { stub, proxy, prometheus, keys, urlOf, secret, say }: RecoveryContext): Promise<void> {
  const prs = result.prs;
  say('the burn is back under the limits: Prometheus now answers as of after the incident');
  proxy.moveTo(prometheus.t0 + AFTER_S);
  const flippedAt = performance.now();
  const successes = () => stub.statuses.filter((s) => s.arrivedAt >= flippedAt && s.state === 'success' && s.context === CONTEXT).length;
  const recoverCap = flippedAt + 1.5 * (INTERVAL_MS + prs * 1000) + 120_000;
  await until(() => successes() > 0, flippedAt + 3 * INTERVAL_MS, 250);
  const firstSuccess = stub.statuses.find((s) => s.arrivedAt >= flippedAt && s.state === 'success');
  result.firstSuccessMs = firstSuccess ? firstSuccess.arrivedAt - flippedAt : undefined;
  await sleep(3000);
  const fanOutProbe = { repo: 'svc-01', number: 100_002, sha: shaOf('svc-01', 100_002) };
  result.newDuringFanOutWritesBefore = successes();
  result.newDuringFanOutMs = await probe(stub, urlOf(1), secret, fanOutProbe, 'probe-fan-out');
  say(`a new pull request while the fan-out writes (${result.newDuringFanOutWritesBefore} written): status after ${fmt(result.newDuringFanOutMs)}`);

  const allSuccess = () => {
    const now = latestStates(stub);
    return keys.filter((k) => now.get(k) === 'success').length;
  };
  await until(() => allSuccess() === prs, recoverCap, 2000);
  result.recovered = allSuccess();
  if (result.recovered === prs) {
    const wanted = new Set(keys);
    let last = flippedAt;
    for (const s of stub.statuses)
      if (s.arrivedAt >= flippedAt && s.state === 'success' && wanted.has(`${s.repo}@${s.sha}`)) last = Math.max(last, s.arrivedAt);
    result.recoveryMs = last - flippedAt;
  }
  say(`recovered ${result.recovered}/${prs} after ${fmt(result.recoveryMs)}`);
}

function opened(pr: PlannedPullRequest, id: string): Delivery {
  const at = new Date().toISOString();
  return {
    id: `bench-org-${id}-${randomBytes(4).toString('hex')}`,
    event: {
      action: 'opened',
      installationId: INSTALLATION,
      owner: OWNER,
      repo: pr.repo,
      number: pr.number,
      sha: pr.sha,
      updatedAt: at,
      labels: [],
      draft: false,
      sender: 'dev',
    },
  };
}

function show(stub: GitHubStub, pr: PlannedPullRequest): void {
  stub.setPullRequest(`${OWNER}/${pr.repo}`, pr.number, { sha: pr.sha, updatedAt: new Date().toISOString(), labels: [] });
}

/** Opens one more pull request and returns the time from sending its webhook to its first status at the stub. */
async function probe(stub: GitHubStub, url: string, secret: string, pr: PlannedPullRequest, id: string): Promise<number | undefined> {
  show(stub, pr);
  const sentAt = performance.now();
  const sending = sendWebhook(url, secret, opened(pr, id));
  const written = () => stub.statuses.find((s) => s.sha === pr.sha && s.repo === `${OWNER}/${pr.repo}`);
  await until(() => written() !== undefined, sentAt + 60_000, 50);
  await sending;
  const status = written();
  return status ? status.arrivedAt - sentAt : undefined;
}

/** The newest `slo-gate` state of every `owner/repo@sha`, from the statuses the stub showed (showStatus) and then received. */
function latestStates(stub: GitHubStub): Map<string, string> {
  const latest = new Map<string, string>();
  for (const s of stub.shown) if (s.context === CONTEXT) latest.set(`${s.repo}@${s.sha}`, s.state);
  for (const s of stub.statuses) if (s.context === CONTEXT) latest.set(`${s.repo}@${s.sha}`, s.state);
  return latest;
}

async function until(done: () => boolean, deadline: number, everyMs: number): Promise<void> {
  while (!done() && performance.now() < deadline) await sleep(everyMs);
}

function fmt(value: number | undefined): string {
  return value === undefined ? 'never (cap reached)' : `${(value / 1000).toFixed(1)} s`;
}

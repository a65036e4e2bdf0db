/**
 * Deployments: how soon a deployment held by the protection rule is approved once the error budget
 * is back under the limits, and what a waiting deployment costs in GitHub requests. slo-gate runs
 * as its users run it (`probot run ./lib/index.js`, RECHECK_INTERVAL=30s, the shortest it accepts),
 * GitHub is the local stub, and Prometheus the real test server behind a proxy that answers "now"
 * from inside the synthetic incident, then from after it. `npx tsx bench/deployments.ts` prints the
 * section; `npm run bench` puts it in docs/BENCHMARKS.md.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { buildIfStale, startApp } from './support/app-process.js';
import { sloSpec, startBenchPrometheus } from './support/bench-slos.js';
import { startGitHubStub, type GitHubStub } from './support/github-stub.js';
import { withResources, type Resources } from './support/resources.js';
import { fixed, ms, percentile, sleep, table } from './support/stats.js';
import { startTimeShiftProxy } from './support/time-shift-proxy.js';
import { runWhenMain, type Benchmark } from './section.js';

const REPO = 'acme/shop';
const INSTALLATION = 7;
const SECRET = 'bench-deployments-secret';
/** The shortest RECHECK_INTERVAL the app accepts; a waiting deployment looks again this often. */
const INTERVAL_MS = 30_000;
const DEFAULT_INTERVAL_MS = 5 * 60_000;
/** Waiting deployments per run, their requests spread over one interval so their re-checks fall at every phase of it. */
const DEPLOYMENTS = 20;
/** How long every deployment stays blocked after the last one arrived: each is re-checked about this many times. */
const BLOCKED_INTERVALS = 3;
const STUB_LATENCY_MS = 20;
/** Inside the incident scenario's outage (5 % errors over [T0 - 3h, T0 - 2h30m)): every gating rule fires. */
const DURING_S = -(2 * 3600 + 40 * 60);
const TARGET_MS = INTERVAL_MS + 5_000;

const POLICY = stringify({
  slos: [sloSpec('incident')],
  bypass: { labels: ['hotfix'], minPermission: 'write' },
  environments: { production: { waitFor: '1h' } },
});

interface Run {
  label: string;
  queryCacheTtl: string;
  latenciesMs: number[];
  decisions: { approved: number; rejected: number; missing: number };
  /** Requests to the stub while every deployment waited, by route; and the evaluations they served (policy reads). */
  steady: { byRoute: Map<string, number>; evaluations: number; queries: number; seconds: number };
  progressReports: number;
  tokens: number;
  warnings: string[];
  unexpected: string[];
}

export const deployments: Benchmark = async ({ log }) =>
  withResources(log, async (resources) => {
    const started = Date.now();
    await buildIfStale(log);
    log('starting Prometheus with synthetic counters');
    const prometheus = await startBenchPrometheus();
    const stopPrometheus = resources.add('Prometheus', () => prometheus.stop());
    try {
      // Side by side: the runs wait on timers, not on CPU.
      const runs = await Promise.all([
        measure({ label: 'query cache on (30 s, default)', queryCacheTtl: '30s' }, prometheus, resources, log),
        measure({ label: 'query cache off', queryCacheTtl: '0' }, prometheus, resources, log),
      ]);
      return { title: 'Deployments', markdown: render(runs, (Date.now() - started) / 1000) };
    } finally {
      await stopPrometheus();
    }
  });

async function measure(
  run: { label: string; queryCacheTtl: string },
  prometheus: { url: string; t0: number },
  resources: Resources,
  log: (line: string) => void,
): Promise<Run> {
  const say = (line: string) => log(`${run.label}: ${line}`);
  const proxy = await startTimeShiftProxy(prometheus.url, prometheus.t0 + DURING_S);
  const closeProxy = resources.add(`${run.label} Prometheus proxy`, () => proxy.close());
  const stub = await startGitHubStub({ latencyMs: STUB_LATENCY_MS, policies: new Map([[REPO, POLICY]]) });
  const closeStub = resources.add(`${run.label} GitHub stub`, () => stub.close());
  const app = await startApp({
    githubHost: stub.host,
    prometheusUrl: proxy.url,
    webhookSecret: SECRET,
    queryCacheTtl: run.queryCacheTtl,
    recheckInterval: `${INTERVAL_MS / 1000}s`,
  });
  const stopApp = resources.add(`${run.label} app`, () => app.stop());
  try {
    const runIds = Array.from({ length: DEPLOYMENTS }, (_, i) => 1000 + i);
    say(`${DEPLOYMENTS} deployment requests over ${INTERVAL_MS / 1000} s, all blocked by the incident`);
    for (const [index, runId] of runIds.entries()) {
      const status = await sendRequest(app.webhookUrl, stub, runId, 100 + index);
      if (status < 200 || status > 299) throw new Error(`the app answered the protection-rule webhook of run ${runId} with HTTP ${status}`);
      await sleep(INTERVAL_MS / DEPLOYMENTS);
    }
    await until(() => runIds.every((id) => stub.reviews.some((r) => r.runId === id)), 15_000, 'a progress report for every deployment');

    const steadyFrom = performance.now();
    const requestsBefore = stub.requests.length;
    const queriesBefore = proxy.queries();
    await sleep(BLOCKED_INTERVALS * INTERVAL_MS);
    const steadyRequests = stub.requests.slice(requestsBefore);
    const byRoute = new Map<string, number>();
    for (const r of steadyRequests) byRoute.set(r.route, (byRoute.get(r.route) ?? 0) + 1);
    const evaluations = byRoute.get('GET /repos/{owner}/{repo}/contents/{path}') ?? 0;
    const steady = { byRoute, evaluations, queries: proxy.queries() - queriesBefore, seconds: (performance.now() - steadyFrom) / 1000 };
    if (stub.reviews.some((r) => r.state !== undefined)) throw new Error('a deployment was decided while the incident still blocked it');

    say('the incident is over: Prometheus now answers as of T0');
    proxy.moveTo(prometheus.t0);
    const flippedAt = performance.now();
    const decided = () => runIds.filter((id) => stub.reviews.some((r) => r.runId === id && r.state !== undefined)).length;
    await until(() => decided() === DEPLOYMENTS, 3 * INTERVAL_MS + 30_000, 'a decision for every deployment').catch((error: Error) => say(error.message));

    const decisions = runIds.map((id) => stub.reviews.find((r) => r.runId === id && r.state !== undefined));
    const latenciesMs = decisions.flatMap((d) => (d?.state === 'approved' ? [d.arrivedAt - flippedAt] : []));
    const { warnings } = app.output();
    say(`approved ${latenciesMs.length}/${DEPLOYMENTS} after ${latenciesMs.map((l) => (l / 1000).toFixed(1)).join(', ')} s`);
    return {
      ...run,
      latenciesMs,
      decisions: {
        approved: decisions.filter((d) => d?.state === 'approved').length,
        rejected: decisions.filter((d) => d?.state === 'rejected').length,
        missing: decisions.filter((d) => d === undefined).length,
      },
      steady,
      progressReports: stub.reviews.filter((r) => r.state === undefined).length,
      tokens: stub.requests.filter((r) => r.kind === 'token').length,
      warnings,
      unexpected: [...stub.unexpected],
    };
  } finally {
    await stopApp();
    await closeStub();
    await closeProxy();
  }
}

/** A signed `deployment_protection_rule.requested` for run `runId`, its callback on the stub's API base, from pull request `number`. */
async function sendRequest(webhookUrl: string, stub: GitHubStub, runId: number, number: number): Promise<number> {
  const [owner, name] = REPO.split('/') as [string, string];
  const payload = {
    action: 'requested',
    environment: 'production',
    event: 'pull_request',
    deployment_callback_url: `http://${stub.host}/api/v3/repos/${REPO}/actions/runs/${runId}/deployment_protection_rule`,
    deployment: { id: runId * 10, sha: `${runId}`.padStart(40, 'a'), ref: `change-${number}`, environment: 'production' },
    pull_requests: [{ number }],
    repository: { name, full_name: REPO, owner: { login: owner, type: 'Organization' }, default_branch: 'main', private: true },
    installation: { id: INSTALLATION },
    sender: { login: 'github-actions[bot]', type: 'Bot' },
  };
  const body = JSON.stringify(payload);
  const response = await fetch(webhookUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/bench',
      'x-github-event': 'deployment_protection_rule',
      'x-github-delivery': `bench-rule-${runId}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await response.text();
  return response.status;
}

async function until(done: () => boolean, withinMs: number, what: string): Promise<void> {
  const deadline = performance.now() + withinMs;
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${ms(withinMs)}`);
    await sleep(100);
  }
}

function render(runs: Run[], seconds: number): string {
  const perEvaluation = (run: Run, route: string) => (run.steady.byRoute.get(route) ?? 0) / Math.max(1, run.steady.evaluations);
  const routes = [...new Set(runs.flatMap((r) => [...r.steady.byRoute.keys()]))].sort();
  const reference = runs[0]!;
  const readsPerEvaluation =
    [...reference.steady.byRoute.entries()].filter(([route]) => !route.includes('access_tokens')).reduce((sum, [, count]) => sum + count, 0) /
    Math.max(1, reference.steady.evaluations);
  const evaluationsPerHour = 3_600_000 / DEFAULT_INTERVAL_MS;
  const progressPerDeployment = reference.progressReports / DEPLOYMENTS;
  const slowest = runs.map((run) => `slowest ${ms(run.latenciesMs.length ? Math.max(...run.latenciesMs) : undefined)} with the ${run.label}`).join(', ');
  return [
    `A deployment held by the protection rule (\`waitFor: 1h\`) is approved at its first re-check after the error budget is back under the limits. ${DEPLOYMENTS} deployments of one repository wait during an incident, their requests spread over one re-check interval (${INTERVAL_MS / 1000} s, the shortest \`RECHECK_INTERVAL\` the app accepts) so that their re-checks fall at every phase of it; then Prometheus starts answering as of after the incident, and the time from that moment to each approval reaching GitHub is measured. Target (issue 12): at most the re-check interval plus 5 s, here ${ms(TARGET_MS)}.`,
    '',
    table(
      ['run', 'approved', 'median', 'p90', 'slowest', `within ${ms(TARGET_MS)}`],
      runs.map((run) => [
        run.label,
        `${run.decisions.approved}/${DEPLOYMENTS}${run.decisions.rejected ? ` (${run.decisions.rejected} rejected)` : ''}${run.decisions.missing ? ` (${run.decisions.missing} undecided)` : ''}`,
        ms(percentile(run.latenciesMs, 50)),
        ms(percentile(run.latenciesMs, 90)),
        ms(run.latenciesMs.length ? Math.max(...run.latenciesMs) : undefined),
        `${run.latenciesMs.filter((l) => l <= TARGET_MS).length}/${DEPLOYMENTS}`,
      ]),
    ),
    '',
    '- The bound: a waiting deployment looks again every interval less up to 10 % (the jitter that keeps waiting deployments from re-checking in lockstep is only ever sooner), so the next look comes at most one interval after the recovery, at the default 5-minute interval as here.',
    `- With the query cache on, an evaluation may use an answer Prometheus gave up to \`QUERY_CACHE_TTL\` (30 s) earlier for another target gated on the same SLO, so a recovery can be seen up to that much later, and a deployment that looked in that moment waits one more interval. Here every deployment is gated on the same SLO, the worst case for it: ${slowest}.`,
    '',
    '### GitHub requests per waiting deployment',
    '',
    `While all ${DEPLOYMENTS} deployments waited (${fixed(reference.steady.seconds, 0)} s, cache on), every re-check read the policy once, so policy reads count the evaluations (${reference.steady.evaluations}). Requests per evaluation, by route:`,
    '',
    table(
      ['route', ...runs.map((r) => r.label)],
      routes.map((route) => [`\`${route}\``, ...runs.map((run) => fixed(perEvaluation(run, route), 2))]),
    ),
    '',
    `- Per waiting deployment and hour at the default 5-minute interval: ${evaluationsPerHour} evaluations × ${fixed(readsPerEvaluation, 2)} reads = **${fixed(evaluationsPerHour * readsPerEvaluation, 0)} requests per hour**, all reads: the policy file, and the pull request of the run's event (to look for a bypass label; a policy without \`bypass.labels\` skips it, one more per pull request of the event otherwise, up to 5). Against GitHub's 5,000 requests per hour per installation, that is about ${fixed(5000 / (evaluationsPerHour * readsPerEvaluation), 0)} deployments waiting at once.`,
    `- Once per deployment: ${fixed(progressPerDeployment, 2)} progress reports here (one when it starts waiting, another only when what blocks changes; at most 8) and the decision.`,
    `- Installation tokens: ${reference.tokens} in the whole run, shared by every deployment of the installation (a token lasts an hour).`,
    `- Prometheus: ${fixed(reference.steady.queries / Math.max(1, reference.steady.evaluations), 1)} queries per evaluation with the cache on, ${fixed(runs[1] ? runs[1].steady.queries / Math.max(1, runs[1].steady.evaluations) : undefined, 1)} with it off (one SLO, three rules and the 30-day budget: 5 windows × errors and total).`,
    '',
    '### How this was measured',
    '',
    `This section took ${seconds.toFixed(0)} s. Reproduce with \`npm run bench -- deployments\` or \`npx tsx bench/deployments.ts\`.`,
    '',
    `- The app: \`probot run lib/index.js\` as in "Speed and cost under load", with RECHECK_INTERVAL=${INTERVAL_MS / 1000}s and QUERY_CACHE_TTL as in each row; both runs side by side, each with its own app, GitHub stub and Prometheus proxy.`,
    `- Requests: signed \`deployment_protection_rule\` webhooks (the fields of GitHub's schema that slo-gate reads, one pull request each, the callback URL on the stub's API base), one every ${INTERVAL_MS / DEPLOYMENTS / 1000} s. GitHub: \`bench/support/github-stub.ts\` with ${STUB_LATENCY_MS} ms latency, which records every decision and progress report with its arrival time.`,
    `- Prometheus: the test server with the \`incident\` scenario of \`test/integration/scenarios.ts\`, behind \`bench/support/time-shift-proxy.ts\`, which evaluates each instant query at T0 − 2 h 40 min (20 minutes into the 30-minute outage: every gating rule fires) and, from the moment the budget "recovers", at T0 (all windows at the baseline burn of 0.5). The moment is switched at once, so the measured time is slo-gate's own delay, not the short windows cooling down.`,
    `- The policy: one SLO on that service, the default (gating) rules, \`bypass.labels: [hotfix]\`, and \`environments: { production: { waitFor: 1h } }\`.`,
    ...runs.flatMap((run) =>
      run.warnings.length || run.unexpected.length
        ? [
            `- ${run.label}: ${run.warnings.length} warnings logged, ${run.unexpected.length} unexpected requests at the stub${run.unexpected[0] ? ` (first: ${run.unexpected[0]})` : ''}.`,
          ]
        : [],
    ),
  ].join('\n');
}

runWhenMain(import.meta.url, deployments);

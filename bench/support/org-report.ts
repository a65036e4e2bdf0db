/** The "Org-wide incident" section of docs/BENCHMARKS.md, from the figures of a run (and of an earlier commit's, when given). */
import { BUDGET_PER_HOUR, DEFAULT_INTERVAL_S, recoveryTargetSeconds, type OrgFigures } from './org-figures.js';
import { DISTINCT_QUERIES, QUERIES_PER_SLO, REPOSITORIES } from './org-plan.js';
import { CACHE_TTL, INTERVAL_MS } from './org-run.js';
import { fixed, table } from './stats.js';

export interface OrgResults {
  commit: string;
  subject: string;
  measuredAt: string;
  runs: OrgFigures[];
  burst: { peakRssMb: number; wallSeconds: number } | undefined;
  seconds: number;
  /** How these figures came together when not from one run (several runs of one commit merged): printed as is. */
  notes?: string[];
}

const REFERENCE_PRS = 1000;
/**
 * Reads whose period is a wall-clock time, not a number of intervals: the foreign-status check of a
 * grouped pull request (every 6 h, src/org/group-membership.ts) and the policy cache's safety-net
 * TTL (1 h, src/org/policy-cache.ts). A few minutes of idle window at a 30 s interval sees almost
 * none of them, and scaling the window's count by intervals would undercount them: they are added
 * by their period instead (N / 6 and one policy file per repository per hour), and the window's
 * own are left out of the scaled part.
 */
const CLOCK_ROUTES = new Set(['GET /repos/{owner}/{repo}/commits/{sha}/status', 'GET /repos/{owner}/{repo}/contents/{path}']);
const FOREIGN_CHECK_HOURS = 6;
const POLICY_TTL_HOURS = 1;

/**
 * Idle requests per hour at the default interval: the interval-paced ones as measured and scaled,
 * the clock-paced ones by their period. `clockPaced: false` for a commit that re-checked each pull
 * request on its own every interval (the "before" of issue 8), whose status and policy reads were
 * paced by the interval: all of its window is scaled.
 */
export function idlePerHour(r: OrgFigures, clockPaced = true): { total: number; measured: number; clock: number } | undefined {
  if (!r.idle) return undefined;
  if (!clockPaced) return { total: r.idle.requestsPerHourAtDefault, measured: r.idle.requestsPerHourAtDefault, clock: 0 };
  const paced = Object.entries(r.idle.byRoutePerInterval)
    .filter(([route]) => !CLOCK_ROUTES.has(route))
    .reduce((sum, [, n]) => sum + n, 0);
  const measured = paced * (3600 / DEFAULT_INTERVAL_S);
  const clock = r.prs / FOREIGN_CHECK_HOURS + REPOSITORIES / POLICY_TTL_HOURS;
  return { total: measured + clock, measured, clock };
}
/** The sizes issue 8 asks for. */
const SIZES = [100, 1000, 5000];
const IDLE_TARGET = 600;
const NEW_PR_TARGET_S = 5;
const RSS_TARGET_MB = 150;

const s = (value: number | undefined, digits = 1) => (value === undefined ? 'not reached' : `${value.toFixed(digits)} s`);
const mb = (values: number[]) => (values.length ? values.map((v) => `${v.toFixed(0)} MB`).join(' + ') : 'n/a');
const met = (ok: boolean | undefined) => (ok === undefined ? 'not measured' : ok ? 'met' : '**not met**');
/** A one-replica run of that size that opened and recovered for real: seeded runs never stand in for one. */
const single = (results: OrgResults, prs: number) => results.runs.find((r) => r.replicas === 1 && r.prs === prs && !r.seeded);
const replicated = (results: OrgResults) => results.runs.find((r) => r.replicas > 1);
const short = (results: OrgResults) => `\`${results.commit.slice(0, 7)}\``;

export function renderOrg(results: OrgResults, before: OrgResults | undefined): string {
  const columns = before ? [before, results] : [results];
  // The "before" commit re-checked every pull request each interval: its status and policy reads were paced by the interval.
  const clockPaced = (r: OrgFigures) => !before?.runs.includes(r);
  const hourly = (r: OrgFigures) => idlePerHour(r, clockPaced(r));
  const heading = columns.map((c) => `${c === results ? 'now' : 'before'} (${short(c)})`);
  // The issue's figures are at 1,000 pull requests; a column without that run shows its largest, named in each cell.
  const reference = (c: OrgResults) => single(c, REFERENCE_PRS) ?? [...c.runs].filter((r) => r.replicas === 1 && !r.seeded).sort((x, y) => y.prs - x.prs)[0];
  const row = (
    label: string,
    bound: string,
    pick: (r: OrgFigures) => number | undefined,
    show: (v: number, r: OrgFigures) => string,
    ok: (v: number, r: OrgFigures) => boolean,
    missing?: (r: OrgFigures) => string | undefined,
  ): string[] => [
    label,
    bound,
    ...columns.map((c) => {
      const r = reference(c);
      if (!r) return 'not measured';
      const at = r.prs === REFERENCE_PRS ? '' : `at ${r.prs} PRs: `;
      const value = pick(r);
      if (value === undefined) return `${at}${missing?.(r) ?? 'not measured'}`;
      return `${at}${show(value, r)}: ${met(ok(value, r))}`;
    }),
  ];
  const probeMissing = (r: OrgFigures) => (r.idle ? '**no status within 60 s**' : undefined);
  const targetRows: string[][] = [
    row(
      `GitHub requests per hour while nothing changes, ${REFERENCE_PRS} blocked PRs (at the default ${DEFAULT_INTERVAL_S / 60}-minute interval)`,
      `≤ ${IDLE_TARGET}`,
      (r) => hourly(r)?.total,
      (v, r) =>
        `${v.toFixed(0)} (${fixed((v / BUDGET_PER_HOUR) * 100, 0)} % of ${BUDGET_PER_HOUR}; ${clockPaced(r) ? `${hourly(r)!.measured.toFixed(0)} measured and scaled, ${hourly(r)!.clock.toFixed(0)} by the clock` : 'every read paced by the interval'})`,
      (v) => v <= IDLE_TARGET,
    ),
    row(
      'Prometheus queries per interval',
      `≤ ${DISTINCT_QUERIES} (the distinct queries of 4 SLOs)`,
      (r) => r.idle?.queriesPerInterval,
      (v) => v.toFixed(0),
      (v) => v <= DISTINCT_QUERIES,
    ),
    row(
      `burn back under the limits → last of the ${REFERENCE_PRS} statuses \`success\``,
      `≤ one interval + N × 1 s + 10 % (${s(recoveryTargetSeconds(REFERENCE_PRS), 0)} for ${REFERENCE_PRS} at ${INTERVAL_MS / 1000} s)`,
      (r) => r.recoverySeconds,
      (v, r) => `${s(v)} (bound ${s(r.recoveryTargetSeconds, 0)})`,
      (v, r) => v <= r.recoveryTargetSeconds,
      (r) => `**${r.recovered}/${r.prs} within the cap**`,
    ),
    row(
      'a new PR during the incident: webhook → its status',
      `≤ ${NEW_PR_TARGET_S} s`,
      (r) => r.newDuringIncidentSeconds,
      (v) => s(v),
      (v) => v <= NEW_PR_TARGET_S,
      probeMissing,
    ),
    row(
      '… while the recovery fan-out is writing',
      `≤ ${NEW_PR_TARGET_S} s`,
      (r) => r.newDuringFanOutSeconds,
      (v) => s(v),
      (v) => v <= NEW_PR_TARGET_S,
      probeMissing,
    ),
    row(
      'peak RSS, this scenario',
      `≤ ${RSS_TARGET_MB} MB`,
      (r) => maxOf(r.peakRssMb),
      (v) => `${v.toFixed(0)} MB`,
      (v) => v <= RSS_TARGET_MB,
    ),
    [
      'peak RSS, the 600-delivery burst',
      `≤ ${RSS_TARGET_MB} MB`,
      ...columns.map((c) =>
        cell(
          c.burst?.peakRssMb,
          (v) => `${v.toFixed(0)} MB`,
          (v) => v <= RSS_TARGET_MB,
        ),
      ),
    ],
    ['two replicas sharing Redis', 'the same totals', ...columns.map((c) => replicaCell(c))],
  ];

  const scaling = (c: OrgResults) =>
    table(
      [
        'open PRs',
        'GitHub requests / interval idle',
        `… / hour at ${DEFAULT_INTERVAL_S / 60} min`,
        'Prometheus queries / interval',
        'recovery (target)',
        'opening: all statuses',
        'peak RSS',
      ],
      c.runs
        .filter((r) => r.replicas === 1)
        .map((r) => [
          String(r.prs),
          fixed(r.idle?.requestsPerInterval, 0),
          fixed(hourly(r)?.total, 0),
          fixed(r.idle?.queriesPerInterval, 0),
          r.seeded
            ? `not run (N × 1 s write floor: ${s(r.recoveryTargetSeconds, 0)})`
            : `${s(r.recoverySeconds, 0)} (${s(r.recoveryTargetSeconds, 0)})${r.recoverySeconds === undefined ? `, ${r.recovered}/${r.prs}` : ''}`,
          r.seeded ? `seeded (all evaluated: ${s(r.openedSeconds, 0)})` : s(r.openedSeconds, 0),
          mb(r.peakRssMb),
        ]),
    );

  const routes = [...new Set(columns.flatMap((c) => Object.keys(reference(c)?.idle?.byRoutePerInterval ?? {})))].sort();
  return [
    `The worst day: a shared SLO burns and every open pull request of an organisation that depends on it is blocked (issue 8). One installation, ${REPOSITORIES} repositories, N open pull requests, three policies that share the \`checkout\` SLO and add one SLO each; the app runs as \`probot run\` with RECHECK_INTERVAL=${INTERVAL_MS / 1000}s and QUERY_CACHE_TTL=${CACHE_TTL} (a tenth of the interval, as the default 30 s is of the default 5 min). Per-interval figures are measured; per-hour figures are the interval-paced reads × ${3600 / DEFAULT_INTERVAL_S}, the intervals of an hour at the default 5 minutes, plus the clock-paced reads by their period (below).`,
    '',
    ...(before
      ? [`"before" is ${short(before)} (${before.subject}), measured ${before.measuredAt.slice(0, 10)}; "now" is ${short(results)} (${results.subject}).`, '']
      : [`Measured at ${short(results)} (${results.subject}).`, '']),
    '### Targets',
    '',
    table(['target', 'bound', ...heading], targetRows),
    '',
    '### How the cost grows with the number of pull requests',
    '',
    ...columns.flatMap((c) => [`${c === results ? 'Now' : 'Before'} (${short(c)}):`, '', scaling(c), '']),
    ...(columns.some((c) => c.runs.some((r) => r.seeded)) ? [seededNote(columns), ''] : []),
    ...(SIZES.some((n) => !columns.some((c) => c.runs.some((r) => r.replicas === 1 && r.prs === n)))
      ? [
          `Sizes missing from a table were not run for that commit: N pull requests take at least N seconds to open and N more to reopen at GitHub's write pace, so 5,000 take about 3 hours with the intervals between. Run them with \`ORG_BENCH_SIZES=1000,5000 npm run bench -- org\`.`,
          '',
        ]
      : []),
    '- "Recovery" is the time from the moment Prometheus stops showing the burn to the last of the N statuses `success`, and its target one interval + N × 1 s + 10 %: GitHub spaces an installation\'s writes 1 s apart, so N statuses take N seconds however they are scheduled. "Opening" is the same floor on the way in: N `failure` statuses.',
    '- Idle requests per hour scale with the pull requests when each is re-checked on its own, and with the repositories (reconciliation) and gate groups when they are not.',
    `- "Per hour" adds two kinds of reads. Those paced by the interval (reconciliation, re-checks) are measured in the idle window and scaled to the ${DEFAULT_INTERVAL_S / 60}-minute interval. Those paced by the clock are counted by their period, because a few minutes at a ${INTERVAL_MS / 1000} s interval see almost none of them and scaling by intervals would undercount them: a grouped pull request's foreign-status check every ${FOREIGN_CHECK_HOURS} h (N / ${FOREIGN_CHECK_HOURS} an hour) and the policy cache's ${POLICY_TTL_HOURS} h safety net (one file per repository an hour). The scaled part leaves the window's own clock-paced reads out. At ${REFERENCE_PRS} pull requests the clock part alone is ${(REFERENCE_PRS / FOREIGN_CHECK_HOURS + REPOSITORIES / POLICY_TTL_HOURS).toFixed(0)} an hour; at 5,000 it would be ${(5000 / FOREIGN_CHECK_HOURS + REPOSITORIES / POLICY_TTL_HOURS).toFixed(0)}, over the ${IDLE_TARGET} of the target by itself: the 6-hour foreign-status check is what grows with N.`,
    "- The runs share the machine's cores with whatever else runs there: figures that depend on CPU (latencies, opening times, errors from slow queries) are worse on a loaded machine; the request and query counts are not.",
    '',
    '### GitHub requests per interval while nothing changes, by route',
    '',
    `At ${REFERENCE_PRS} pull requests, or a column's largest run without them.`,
    '',
    table(
      ['route', ...heading],
      routes.map((route) => [`\`${route}\``, ...columns.map((c) => fixed(reference(c)?.idle?.byRoutePerInterval[route] ?? 0, 1))]),
    ),
    '',
    ...columns.flatMap((c) => notes(c)),
    '',
    '### How this was measured',
    '',
    `This section took ${results.seconds.toFixed(0)} s. Reproduce with \`npm run bench -- org\` (\`ORG_BENCH_SIZES\`, \`ORG_BENCH_REPLICAS\`, \`ORG_BENCH_REV\` choose the sizes, the two-replica run and the commit; see \`bench/org-incident.ts\`).`,
    '',
    ...(results.notes ?? []).map((note) => `- ${note}`),
    "- The app: the commit named above, built on its own from `git archive` (`bench/support/snapshot-build.ts`), run as `probot run lib/index.js` with the Node flags of that commit's `npm start` as in \"Speed and cost under load\". All runs side by side, each with its own app(s), GitHub stub and Prometheus proxy; they share the Prometheus and the machine's cores. The two-replica run starts two app processes with the same `SLO_GATE_REDIS_URL` (a throwaway `redis-server`; not `REDIS_URL`, whose Probot throttling fails on Redis 7: docs/OPERATIONS.md), and a load balancer's turn-taking sends each delivery to one of them.",
    `- GitHub: \`bench/support/github-stub.ts\`, 20 ms per answer; it counts every request per installation and route, lists open pull requests (\`GET /repos/{owner}/{repo}/pulls\`, at most 100 per page, Link headers), and answers with \`x-ratelimit-limit: ${BUDGET_PER_HOUR}\` and the installation's \`x-ratelimit-remaining\` for the current hour. It never refuses: requests beyond the budget are counted as the ones GitHub would have refused (403). Opening the N pull requests (minutes here, days in an organisation) is not counted against the budget, and the budget hour starts again when it is done: otherwise the app, told the budget was below 20 %, would put off its reconciliation through the measured phase for a spend that phase never made.`,
    `- Pull requests: opened with signed \`pull_request.opened\` webhooks, 50 in flight, pull request j in repository j mod ${REPOSITORIES}. Each policy: the shared SLO and its own, the gating preset (${QUERIES_PER_SLO} queries per SLO), \`bypass.labels: [hotfix]\`, \`comment: never\` (so the figures are the statuses': a comment is one more write per pull request and flip, and GitHub spaces comment creations 3 s apart).`,
    '- Prometheus: the test server with synthetic counters: `checkout` at 2 % errors (burn 20) over [T0 − 8h, T0 − 4h), every other service at 0.05 % (burn 0.5). `bench/support/time-shift-proxy.ts` evaluates every instant query at T0 − 6h (every gating rule of `checkout` fires on both windows) and, from the moment the burn "recovers", at T0 − 2h (every window up to 1 h back at the baseline). The switch is instant, so the measured recovery is slo-gate\'s own delay, not the windows cooling down. The proxy counts the queries and their distinct texts.',
    `- Phases: open N pull requests and wait until each shows a status; one interval to settle; ${'`'}idle${'`'}: 3 intervals (1 at 5,000 unless seeded) in which nothing changes, every request and query counted; one new pull request (webhook → its status); the switch; one more new pull request 3 s after the first \`success\` of the fan-out; wait for the last \`success\` (capped at 1.5 × the target + 2 min). Peak RSS is VmHWM of each app process; the burst is the "Speed and cost under load" burst (cache on) against the same build.`,
  ].join('\n');
}

/** What a seeded run did, measured and did not measure. */
function seededNote(columns: OrgResults[]): string {
  const sizes = [...new Set(columns.flatMap((c) => c.runs.filter((r) => r.seeded).map((r) => r.prs)))].sort((a, b) => a - b);
  return `- "Seeded" (${sizes.join(', ')} PRs; \`ORG_BENCH_SEEDED\`): opening and recovering N pull requests take at least N seconds each at GitHub's write pace, about 3 hours for 5,000, and at that size they mostly measure the floor (the 1,000 run measures how close slo-gate keeps to it). So one pull request per policy was opened and written as usual, and every other one was shown that policy's \`failure\` status (same context and description) on its head by the stub, as if the app had written it earlier, before its webhook was sent. Shown statuses are not requests and not counted as writes; the app still evaluated every pull request (opening ends when \`slo_gate_decisions_total\` reaches N, no work waits for a slot and the stub is quiet for 5 s), and a pull request it evaluated inline and wrote again counts as a write (repeating one). Measured as in the other runs: the idle window's requests and queries, the new pull request during the incident, peak RSS, totals and warnings. Not measured: the opening time at GitHub's pace, the recovery and the new pull request during its fan-out; the 1,000-PR run stays the reference of the targets.`;
}

function cell(value: number | undefined, show: (v: number) => string, ok: (v: number) => boolean, missing?: string): string {
  if (value === undefined) return missing ? `not reached (${missing})` : 'not measured';
  return `${show(value)}: ${met(ok(value))}`;
}

function maxOf(values: number[] | undefined): number | undefined {
  return values && values.length ? Math.max(...values) : undefined;
}

function replicaCell(c: OrgResults): string {
  const two = replicated(c);
  const one = two && single(c, two.prs);
  if (!two || !one) return 'not measured';
  const same =
    Math.abs((two.idle?.requestsPerInterval ?? 0) - (one.idle?.requestsPerInterval ?? 0)) <= 0.1 * Math.max(1, one.idle?.requestsPerInterval ?? 0) &&
    two.totals.duplicateWrites <= one.totals.duplicateWrites;
  const probe =
    two.newDuringIncidentSeconds === undefined || two.newDuringFanOutSeconds === undefined
      ? `; **a new pull request's status did not come within 60 s** (${two.newDuringIncidentSeconds === undefined ? 'during the incident' : 'during the fan-out'}; see the warnings below)`
      : '';
  return `${two.prs} PRs: idle requests/interval ${fixed(two.idle?.requestsPerInterval, 0)} vs ${fixed(one.idle?.requestsPerInterval, 0)} on one; queries/interval ${fixed(two.idle?.queriesPerInterval, 0)} vs ${fixed(one.idle?.queriesPerInterval, 0)}; status writes ${two.totals.statusWrites} vs ${one.totals.statusWrites}, repeated ${two.totals.duplicateWrites} vs ${one.totals.duplicateWrites}; recovery ${s(two.recoverySeconds, 0)}: ${met(same)}${probe}`;
}

function notes(c: OrgResults): string[] {
  const tag = c.runs.length ? `${short(c)}: ` : '';
  return c.runs.map((r) => {
    const parts = [
      `${r.totals.requests} GitHub requests in all (${r.totals.overBudget} beyond the ${BUDGET_PER_HOUR}/h budget, which GitHub would have refused)`,
      `${r.totals.statusWrites} status writes (${r.totals.duplicateWrites} repeating one already written)`,
      `${r.totals.queries} Prometheus queries`,
      `${r.idle?.statusWrites ?? 'n/a'} status writes while idle, ${r.idle?.distinctQueries ?? 'n/a'} distinct queries per idle window`,
      `${r.blockedAfterOpening}/${r.prs} blocked after opening`,
      r.seeded ? 'seeded: recovery not run' : `first \`success\` ${s(r.firstSuccessSeconds)} after the switch`,
      `app CPU ${r.cpuSeconds.map((v) => `${v.toFixed(0)} s`).join(' + ')}`,
      `${r.warnings} warnings logged${r.firstWarning ? ` (first: ${warningText(r.firstWarning)})` : ''}`,
      `${r.unexpected} unexpected requests${r.firstUnexpected ? ` (first: ${r.firstUnexpected})` : ''}`,
    ];
    return `- ${tag}${r.label}: ${parts.join('; ')}.`;
  });
}

/** A JSON log line (perhaps cut short): its error message, else its message, else its start. */
function warningText(line: string): string {
  const text = /"message":"([^"]*)"/.exec(line)?.[1] ?? /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 160);
  return text.replaceAll('|', '/');
}

/** The load benchmark's Markdown: targets first, then the figures behind them and how they were taken. */
import { QUERIES_PER_SLO, BENCH_SLOS } from './bench-slos.js';
import { NOTIFYING_SPACING_MS, WRITE_SPACING_MS, type Outcome } from './burst-analysis.js';
import type { BurstPlan } from './burst-plan.js';
import { GITHUB_LATENCY_MS, IN_FLIGHT, PROMETHEUS_LATENCY_MS, type BurstRun } from './burst-run.js';
import { fixed, ms, table } from './stats.js';

const RSS_LIMIT = 200e6;

/** Bytes in MB (10^6, as the target says) and MiB. */
function mb(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${(bytes / 1e6).toFixed(0)} MB (${(bytes / 2 ** 20).toFixed(0)} MiB)`;
}

/** How the cost grows with the open pull requests, beside the cost of events; the figures are the org-wide incident's. */
export const COST_GROWTH =
  'This is what events cost. What pull requests cost while they wait grows with their number, not with events: a blocked pull request used to be re-checked on its own every `RECHECK_INTERVAL`, three GitHub reads each (the pull request, the policy, the combined status): 36 an hour per blocked pull request at the default 5 minutes, so 1,000 blocked pull requests would need about 36,000 requests an hour, seven times an installation\'s 5,000. Re-checked per gate group, an interval in which nothing changes costs no request per pull request; what is left grows with the repositories (reconciliation, policy reads) and, slowly, with the pull requests (the foreign-status check, one read each every 6 hours). Only a verdict that changes costs a write per pull request, at GitHub\'s 1 write per second. "Org-wide incident" below measures how it grows with the number of open pull requests, before and after gate groups.';

export function renderBurst(plan: BurstPlan, on: BurstRun, off: BurstRun): string {
  const f = on.figures;
  const perEvent = (n: number, run: BurstRun) => n / run.figures.sent;
  const ttlPeriods = Math.max(1, f.prometheus.spanMs / on.ttlMs);
  const setsPerSloPerTtl = f.prometheus.requests / QUERIES_PER_SLO / BENCH_SLOS.length / ttlPeriods;
  const peak = (run: BurstRun) => run.rss.hwm ?? run.rss.sampledPeak;
  const verdict = (ok: boolean) => (ok ? 'met' : '**not met**');
  const blocking = plan.repos.filter((r) => r.blocking).length;

  const targets = table(
    ['target', 'measured (cache on)', ''],
    [
      [
        '≤ 1.1 GitHub writes per event',
        `${fixed(perEvent(f.writes, on))} (${f.writes} writes for ${f.sent} deliveries; cache off: ${fixed(perEvent(off.figures.writes, off))})`,
        verdict(perEvent(f.writes, on) <= 1.1),
      ],
      [
        '≤ 1 Prometheus query set per SLO per cache TTL',
        `no query was sent twice within ${on.queryCacheTtl} (at most ${f.prometheus.maxPerQueryWithinTtl} per window); ${f.prometheus.requests} queries over ${ms(f.prometheus.spanMs)} = ${fixed(setsPerSloPerTtl)} sets of ${QUERIES_PER_SLO} per SLO per ${on.queryCacheTtl}`,
        verdict((f.prometheus.maxPerQueryWithinTtl ?? Infinity) <= 1),
      ],
      [
        'p99 latency within 10% of the write-spacing floor',
        `p99 ${ms(f.latency.p99)} against a floor of ${ms(f.floorPerInstallationMs)} (busiest installation's writes × 1 s): ${fixed(f.latency.p99! / f.floorPerInstallationMs)}×; all done after ${ms(f.completionMs)} (${fixed(f.completionMs / f.floorPerInstallationMs)}×)`,
        verdict(f.latency.p99! <= 1.1 * f.floorPerInstallationMs),
      ],
      [
        'RSS under 200 MB',
        `peak ${mb(peak(on))} with the default cache; with the cache off ${mb(peak(off))} (VmHWM of the app process)`,
        `${verdict(peak(on) < RSS_LIMIT)}${peak(off) >= RSS_LIMIT ? ' (not with the cache off)' : ''}`,
      ],
    ],
  );

  const row = (label: string, pick: (run: BurstRun) => number | undefined, format: (v: number | undefined) => string, ratio = true) => {
    const a = pick(on);
    const b = pick(off);
    return [label, format(a), format(b), ratio && a && b !== undefined ? `${fixed(b / a, 1)}×` : ''];
  };
  const both = table(
    ['', `cache on (QUERY_CACHE_TTL=${on.queryCacheTtl})`, `cache off (QUERY_CACHE_TTL=${off.queryCacheTtl})`, 'off / on'],
    [
      row(
        'Prometheus queries sent (proxy count)',
        (r) => r.figures.prometheus.requests,
        (v) => String(v),
      ),
      row(
        '… per delivery',
        (r) => r.figures.prometheus.requests / r.figures.sent,
        (v) => fixed(v),
      ),
      row(
        '… per evaluation',
        (r) => r.figures.prometheus.requests / r.figures.metrics.decisions,
        (v) => fixed(v),
      ),
      row(
        'slo_gate_prometheus_queries_total',
        (r) => r.figures.metrics.queries,
        (v) => String(v),
      ),
      row(
        'slo_gate_query_cache_hits_total',
        (r) => r.figures.metrics.cacheHits,
        (v) => String(v),
        false,
      ),
      row(
        'GitHub reads per delivery',
        (r) => r.figures.reads / r.figures.sent,
        (v) => fixed(v),
      ),
      row(
        'GitHub writes per delivery',
        (r) => r.figures.writes / r.figures.sent,
        (v) => fixed(v),
      ),
      row(
        'installation tokens fetched',
        (r) => r.figures.tokens,
        (v) => String(v),
      ),
      row(
        'evaluations (slo_gate_decisions_total)',
        (r) => r.figures.metrics.decisions,
        (v) => String(v),
      ),
      row('received → status written, p50', (r) => r.figures.latency.p50, ms),
      row('… p99', (r) => r.figures.latency.p99, ms),
      row('… max', (r) => r.figures.latency.max, ms),
      row('received → its own status write, p50 (x-github-delivery)', (r) => r.figures.ownLatency.p50, ms),
      row('… p99', (r) => r.figures.ownLatency.p99, ms),
      row('first delivery → last status written', (r) => r.figures.completionMs, ms),
      row('first delivery → last write of any kind', (r) => r.figures.lastWriteMs, ms),
      row('first delivery → last webhook answered', (r) => r.figures.sendingMs, ms),
      row(
        'webhooks answered 202 "still processing" (after 9 s)',
        (r) => r.figures.answers['202'] ?? 0,
        (v) => String(v ?? 0),
        false,
      ),
      row(
        'Prometheus queries in flight at once, at most',
        (r) => r.figures.prometheus.maxInFlight,
        (v) => String(v),
      ),
      row(
        'events per second (deliveries / completion)',
        (r) => (r.figures.sent * 1000) / r.figures.completionMs,
        (v) => fixed(v),
      ),
      row(
        'writes per second while writing',
        (r) => r.figures.writeRate,
        (v) => fixed(v),
      ),
      row('peak RSS (VmHWM)', (r) => peak(r), mb),
      row(
        'app CPU time',
        (r) => r.cpuSeconds,
        (v) => (v === undefined ? 'n/a' : `${fixed(v, 1)} s`),
      ),
    ],
  );

  const outcomes: Array<[Outcome, string]> = [
    ['written', 'a status was written for its head at or after sending (latency above)'],
    ['no write needed', 'its head already showed the same status: nothing written'],
    ['superseded', "reached the app after its pull request's next head (sent close behind it): skipped"],
    ['redelivery', 'same x-github-delivery as an earlier delivery: processed once'],
    ['title edit', '`edited` without a base change: nothing to evaluate'],
    ['late, superseded', 'an older head delivered after the newer one: skipped'],
    ['late, written', 'an older head delivered late, and written anyway'],
    ['never written', 'no status ever appeared for its head'],
    ['not sent', 'the send deadline passed first'],
  ];
  const outcomeTable = table(
    ['outcome', 'cache on', 'cache off', 'meaning'],
    outcomes.map(([o, meaning]) => [o, String(on.figures.counts[o]), String(off.figures.counts[o]), meaning]),
  );

  const routes = new Map<string, [number, number]>();
  for (const [route, n] of f.byRoute) routes.set(route, [n, 0]);
  for (const [route, n] of off.figures.byRoute) routes.set(route, [routes.get(route)?.[0] ?? 0, n]);
  const routeTable = table(
    ['request', 'cache on', 'per delivery', 'cache off'],
    [...routes.entries()].map(([route, [a, b]]) => [`\`${route}\``, String(a), fixed(a / f.sent), String(b)]),
  );
  const unexpected = [...new Set([...f.unexpected, ...off.figures.unexpected])];
  const warnings = [...new Set([...on.warnings, ...off.warnings].map((w) => /"msg":"([^"]{0,200})/.exec(w)?.[1] ?? w.slice(0, 200)))];

  const installationRows = f.installations.map((i) => [String(i.id), String(i.writes), String(i.creates), ms(i.floorMs)]);
  const skipped = f.metrics.skipped;

  return [
    `A burst of ${f.sent} signed \`pull_request\` deliveries for ${plan.repos.length} repositories in ${new Set(plan.repos.map((r) => r.installationId)).size} installations (three pull requests each: opened, labeled, synchronize with a new head, redeliveries, a late event for an old head, ready_for_review, title and base edits, a bypass label in every fifth repository). The policies pick one or two of ${BENCH_SLOS.length} shared SLOs; ${blocking} repositories include a burning one, so their pull requests block and get a comment. GitHub is a local stub answering in ${GITHUB_LATENCY_MS} ms, Prometheus the real test server behind a proxy adding ${PROMETHEUS_LATENCY_MS} ms. Deliveries go out as fast as the app answers them, ${IN_FLIGHT} in flight.`,
    '',
    COST_GROWTH,
    '',
    '### Targets',
    '',
    targets,
    '',
    f.completionMs <= f.floorPerInstallationMs * 1.1
      ? `The burst finished ${ms(f.completionMs)} after the first delivery, against a floor of ${ms(f.floorPerInstallationMs)} for the busiest installation (its writes × 1 s): the app keeps each installation's write queue full, and all its other work hides under the spacing. ${f.staleHeadStatusWrites + f.staleHeadCommentWrites} of the writes were for heads already replaced by a newer push; without them the floor would be ${ms(f.neededFloorPerInstallationMs)}.`
      : `The burst took ${ms(f.completionMs)}, more than 10% over the busiest installation's floor of ${ms(f.floorPerInstallationMs)} (its writes × 1 s): see how writes are spaced, below. ${f.staleHeadStatusWrites + f.staleHeadCommentWrites} of the writes were for heads already replaced by a newer push; without them the floor would be ${ms(f.neededFloorPerInstallationMs)}.`,
    '',
    '### The burst with the query cache on and off',
    '',
    `Both runs ran side by side, each with its own app process, GitHub stub and Prometheus proxy (they share the test Prometheus and the cores); both are bound by Octokit's write spacing, not by CPU (see the app's CPU time). "Received → status written" is, per delivery that needed a status, the time from sending it to the first status POST for its repository and head at or after that moment; "its own status write" counts only the POST carrying the delivery's id (Probot adds \`x-github-delivery\` to every request an event makes).`,
    '',
    both,
    '',
    outcomeTable,
    '',
    '### GitHub requests by route',
    '',
    routeTable,
    '',
    unexpected.length > 0
      ? `Unexpected requests (answered 404): ${unexpected
          .slice(0, 10)
          .map((u) => `\`${u}\``)
          .join(', ')}.`
      : 'No unexpected request: every request the app made was one the stub expected.',
    '',
    `App log lines at warn or above: ${
      warnings.length === 0
        ? 'none'
        : warnings
            .slice(0, 5)
            .map((w) => `\`${w}\``)
            .join('; ')
    }.`,
    '',
    '### How writes are spaced, and the floor',
    '',
    `Probot 14 builds every Octokit with \`@octokit/plugin-throttling\`. Its Bottleneck groups are module-level, so shared by every Octokit in the process, and keyed by \`throttle.id\`: the \`write\` group lets one non-GET request through per ${WRITE_SPACING_MS / 1000} s per key (maxConcurrent 1, minTime 1000), and POSTs to paths that notify people (a new issue comment, not an edit, not a status) also wait in the \`notifications\` group, one per ${NOTIFYING_SPACING_MS / 1000} s per key. \`app.auth(installationId)\` sets the key to the installation id; the Octokit a webhook handler gets (\`context.octokit\`, made by octokit-auth-probot for the event) copies the app's options, which have no id, so writes made through it would share the key \`no-id\`: one queue for every installation. slo-gate therefore writes through \`app.auth(installationId)\` (and tags those requests with the delivery id itself), so each installation has its own queue. With \`REDIS_URL\`, Probot hands Bottleneck a Redis connection (\`getOctokitThrottleOptions\`), so each installation's queue spans every replica (read in the source, not measured here).`,
    '',
    `Measured: GitHub received ${fixed(f.writeRate)} writes per second while the burst was written, with three installations (${f.writeRate > 1.5 ? 'one queue per installation' : 'one queue for all of them'}); status writes of different installations came as close as ${ms(f.minStatusGapAcrossInstallationsMs)} apart.`,
    '',
    table(['installation', 'writes', 'comment creations', 'floor: max(writes × 1 s, creations × 3 s)'], installationRows),
    '',
    `Floor with GitHub's per-installation spacing: ${ms(f.floorPerInstallationMs)} (the busiest installation). Floor with one queue for every installation, as \`context.octokit\` would space them: ${ms(f.floorOneQueueMs)} (${f.writes} writes × 1 s). The first write went out ${ms(f.firstWriteMs)} after the first delivery and the last ${ms(f.lastWriteMs)} after it, ${ms(f.lastWriteMs - f.firstWriteMs)} for ${f.writes} writes: most of the app's other work hides under the spacing.`,
    '',
    '### Writes avoided, and writes that could be',
    '',
    `- Not written because GitHub already showed the same (\`slo_gate_github_writes_skipped_total\`): ${skipped.status ?? 0} statuses, ${skipped.comment ?? 0} comments.`,
    `- Skipped as superseded: ${f.counts['late, superseded']} late events for an old head (by design; checked: no status carried their delivery id) and ${f.counts.superseded} that reached the app after a newer head. Not evaluated twice: ${f.counts.redelivery} redeliveries (${f.metrics.decisions} evaluations in all, for ${f.counts.written + f.counts['no write needed'] + f.counts.superseded} first deliveries that asked for one).`,
    `- Written for a head already replaced by a newer push (its synchronize had been delivered before the write went out): ${f.staleHeadStatusWrites} statuses and ${f.staleHeadCommentWrites} comment writes, ${fixed((100 * (f.staleHeadStatusWrites + f.staleHeadCommentWrites)) / f.writes, 0)}% of all writes. The newer head's event waits for the pull request's lock while the old head's writes wait in Octokit's queue.`,
    `- Rewritten on the same head with only the figures changed: ${f.figureOnlyStatusWrites} statuses (same state, new description) and ${f.figureOnlyCommentEdits} comment edits (same head and headline): burn rates and budget left move while a service burns, and the text carries them.`,
  ].join('\n');
}

/**
 * Org-wide incident (issue 8): one installation, 50 repositories, 100 / 1,000 / 5,000 open pull
 * requests blocked by one shared SLO, then its recovery, through `probot run` against the local
 * GitHub stub (which counts every request and sends GitHub's rate-limit headers) and the real test
 * Prometheus; once more on two replicas sharing Redis; and the 600-delivery burst for its peak RSS.
 * `npx tsx bench/org-incident.ts` prints the section; `npm run bench -- org --write` puts it in
 * docs/BENCHMARKS.md. Variables: ORG_BENCH_SIZES (default 100,1000,5000), ORG_BENCH_REPLICAS
 * (pull requests of the two-replica run, default 1000; 0: skip), ORG_BENCH_REV (the commit to
 * build, default HEAD), ORG_BENCH_BEFORE (JSON of an earlier run to show beside this one; default
 * bench/support/org-incident-before.json when it exists), ORG_BENCH_BURST=0 (skip the burst),
 * ORG_BENCH_FROM (render the figures a run saved in .tmp/org-incident-<commit>.json, without running),
 * ORG_BENCH_SEEDED=<n> (runs of at least n pull requests are seeded: all but one per policy are
 * shown their `failure` before their webhooks, and recovery is not run; see openSeeded in
 * support/org-run.ts; default: none).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startBenchPrometheus } from './support/bench-slos.js';
import { ROOT } from './support/app-process.js';
import { planBurst } from './support/burst-plan.js';
import { runBurst } from './support/burst-run.js';
import { figuresOf, type OrgFigures } from './support/org-figures.js';
import { startOrgPrometheus } from './support/org-plan.js';
import { renderOrg, type OrgResults } from './support/org-report.js';
import { runOrg } from './support/org-run.js';
import { startRedis } from './support/redis-server.js';
import { withResources } from './support/resources.js';
import { buildSnapshot } from './support/snapshot-build.js';
import { runWhenMain, type Benchmark } from './section.js';

const BEFORE_FILE = join(ROOT, 'bench/support/org-incident-before.json');

export const orgIncident: Benchmark = async (context) => {
  const from = process.env.ORG_BENCH_FROM;
  if (!from) return measureOrg(context);
  // Render saved figures again (a change to the text, or the section written from a run made with `npx tsx`).
  context.log(`rendering the figures saved in ${from}`);
  return render(JSON.parse(await readFile(from, 'utf8')) as OrgResults);
};

async function render(results: OrgResults): Promise<{ title: string; markdown: string }> {
  const beforePath = process.env.ORG_BENCH_BEFORE ?? (existsSync(BEFORE_FILE) ? BEFORE_FILE : undefined);
  const before = beforePath ? (JSON.parse(await readFile(beforePath, 'utf8')) as OrgResults) : undefined;
  return { title: 'Org-wide incident', markdown: renderOrg(results, before?.commit === results.commit ? undefined : before) };
}

const measureOrg: Benchmark = async ({ log }) =>
  withResources(log, async (resources) => {
    const started = Date.now();
    const sizes = (process.env.ORG_BENCH_SIZES ?? '100,1000,5000').split(',').map((s) => Number(s.trim()));
    if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 5000)) throw new Error('ORG_BENCH_SIZES: pull request counts from 1 to 5000, comma-separated');
    const replicaSize = Number(process.env.ORG_BENCH_REPLICAS ?? 1000);
    const seededFrom = process.env.ORG_BENCH_SEEDED === undefined ? undefined : Number(process.env.ORG_BENCH_SEEDED);
    if (seededFrom !== undefined && (!Number.isInteger(seededFrom) || seededFrom < 1)) throw new Error('ORG_BENCH_SEEDED: a pull request count of at least 1');
    const build = await buildSnapshot(process.env.ORG_BENCH_REV ?? 'HEAD', log);
    resources.add('snapshot build', () => build.remove());

    /** The 600-delivery burst against the same build, for its peak RSS; side by side with the org runs (it waits on GitHub's write spacing too). */
    const measureBurst = async (): Promise<OrgResults['burst']> => {
      if (process.env.ORG_BENCH_BURST === '0') return undefined;
      log('the 600-delivery burst, for its peak RSS');
      const burstPrometheus = await startBenchPrometheus();
      const stop = resources.add('burst Prometheus', () => burstPrometheus.stop());
      try {
        const run = await runBurst({
          label: 'burst',
          plan: planBurst(),
          prometheusUrl: burstPrometheus.url,
          queryCacheTtl: '30s',
          ttlMs: 30_000,
          resources,
          log,
          appEntry: build.appEntry,
        });
        return { peakRssMb: (run.rss.hwm ?? run.rss.sampledPeak) / 1e6, wallSeconds: run.wallMs / 1000 };
      } finally {
        await stop();
      }
    };

    log('starting Prometheus with the org incident');
    const prometheus = await startOrgPrometheus();
    resources.add('Prometheus', () => prometheus.stop());
    log(`Prometheus at ${prometheus.url} (${prometheus.timings})`);
    const redis = replicaSize > 0 ? await startRedis() : undefined;
    if (redis) resources.add('Redis', () => redis.stop());

    // Side by side: each run has its own app(s), stub and proxy; all of them wait on GitHub's write spacing.
    const common = { prometheus, resources, log, seededFrom };
    const burstRun = measureBurst().catch((error: unknown) => {
      log(`the burst failed: ${(error as Error).message}`);
      return undefined;
    });
    const runs = await Promise.all([
      ...sizes.map((prs) =>
        runOrg({
          ...common,
          label: `${prs} PRs`,
          prs,
          replicas: 1,
          steadyIntervals: prs >= 5000 && (seededFrom === undefined || prs < seededFrom) ? 1 : 3,
          appEntry: build.appEntry,
        }),
      ),
      ...(redis
        ? [
            runOrg({
              ...common,
              label: `${replicaSize} PRs, 2 replicas`,
              prs: replicaSize,
              replicas: 2,
              redisUrl: redis.url,
              steadyIntervals: 3,
              appEntry: build.appEntry,
            }),
          ]
        : []),
    ]);
    const results: OrgResults = {
      commit: build.commit,
      subject: build.subject,
      measuredAt: new Date().toISOString(),
      runs: runs.map(figuresOf),
      burst: await burstRun,
      seconds: (Date.now() - started) / 1000,
    };
    await mkdir(join(ROOT, '.tmp'), { recursive: true });
    const saved = join(ROOT, `.tmp/org-incident-${build.commit.slice(0, 7)}.json`);
    await writeFile(saved, `${JSON.stringify(results, null, 2)}\n`);
    log(`figures saved to ${saved}`);
    return render(results);
  });

export type { OrgFigures };

runWhenMain(import.meta.url, orgIncident);

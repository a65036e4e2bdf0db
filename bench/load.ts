/**
 * Speed and cost: slo-gate started as its users start it (`probot run ./lib/index.js`) takes a
 * burst of 600 signed webhooks twice, with the query cache on and off (A), then single events on
 * an idle app (B, load-idle.ts). GitHub is a local stub, Prometheus the real test server.
 * `npx tsx bench/load.ts` prints the section; `npm run bench` puts it in docs/BENCHMARKS.md.
 */
import { cpus, totalmem } from 'node:os';
import { measureIdle, renderIdle } from './load-idle.js';
import { buildIfStale } from './support/app-process.js';
import { startBenchPrometheus } from './support/bench-slos.js';
import { planBurst } from './support/burst-plan.js';
import { runBurst } from './support/burst-run.js';
import { renderBurst } from './support/load-report.js';
import { withResources } from './support/resources.js';
import { runWhenMain, type Benchmark } from './section.js';

export const speedAndCost: Benchmark = async ({ log }) =>
  withResources(log, async (resources) => {
    const started = Date.now();
    await buildIfStale(log);
    log('starting Prometheus with synthetic counters');
    const prometheus = await startBenchPrometheus();
    const stopPrometheus = resources.add('Prometheus', () => prometheus.stop());
    try {
      log(`Prometheus at ${prometheus.url} (${prometheus.timings})`);
      const plan = planBurst();
      const common = { plan, prometheusUrl: prometheus.url, resources, log };
      // Side by side: both runs are bound by Octokit's write spacing (1 write per second), not by CPU.
      const [on, off] = await Promise.all([
        runBurst({ ...common, label: 'cache on', queryCacheTtl: '30s', ttlMs: 30_000 }),
        runBurst({ ...common, label: 'cache off', queryCacheTtl: '0', ttlMs: 0 }),
      ]);
      const idle = await measureIdle(prometheus, resources, log);
      const seconds = (Date.now() - started) / 1000;
      const cpu = cpus();
      return {
        title: 'Speed and cost under load',
        markdown: [
          renderBurst(plan, on, off),
          '',
          '### One event on an idle app',
          '',
          renderIdle(idle),
          '',
          '### How this was measured',
          '',
          `On ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}; this section took ${seconds.toFixed(0)} s. Reproduce with \`npm run bench\` (all sections, written to docs/BENCHMARKS.md) or \`npx tsx bench/load.ts\` (this one, printed).`,
          '',
          '- The app: `npm run build` when lib/ is older than src/, then `node --max-semi-space-size=4 --optimize-for-size node_modules/probot/bin/probot.js run lib/index.js` (the Node flags of `npm start`, read from package.json) as a child process, configured only by environment variables: APP_ID, a PRIVATE_KEY generated for the run (never written to disk), WEBHOOK_SECRET, PORT (a free port), HOST=127.0.0.1, LOG_LEVEL=warn, LOG_FORMAT=json, PROMETHEUS_URL, QUERY_CACHE_TTL, and GHE_HOST=127.0.0.1:<stub port> with GHE_PROTOCOL=http, from which Probot 14 builds its API base URL `http://127.0.0.1:<port>/api/v3` (`lib/bin/read-env-options.js`). It runs in an empty working directory, because Probot copies a `.env` from its working directory over the environment.',
          '- Webhooks: HMAC-SHA256 signed bodies (`x-hub-signature-256`), a unique `x-github-delivery` each (a redelivery repeats one), sent over loopback. Probot answers when the handler is done, or with 202 after 9 s. A `pull_request` webhook that finds all 24 work slots taken is queued as the re-check of its pull request and answered at once (docs/OPERATIONS.md, "Bounded work in flight"): those re-checks gate the head GitHub shows when they run, so deliveries whose head was replaced meanwhile count as superseded.',
          '- GitHub: `bench/support/github-stub.ts`, every request counted by route, reads and writes apart; the policy file is served raw (`application/vnd.github.raw; charset=utf-8`), as `@probot/octokit-plugin-config` asks for it with `mediaType: { format: "raw" }`; comments are kept per pull request so the app finds and edits its own.',
          "- Prometheus: `test/support/prometheus-harness.ts` with five services of `test/integration/scenarios.ts`; each run has its own counting proxy. Query counts are the proxy's and the app's `/metrics`; peak RSS is VmHWM from `/proc/<pid>/status` (VmRSS is also sampled every 200 ms); CPU time from `/proc/<pid>/stat`.",
          '- Latencies are measured in the benchmark process, which runs the stub and the senders, with one monotonic clock.',
        ].join('\n'),
      };
    } finally {
      await stopPrometheus();
    }
  });

runWhenMain(import.meta.url, speedAndCost);

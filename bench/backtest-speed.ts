/**
 * C. Backtest speed: `backtest()` over 7 days at 5-minute steps for a policy with the five shared
 * SLOs, against the real test Prometheus (through a counting proxy that adds no latency), five
 * times; plus the same backtest once through the command line, as a user runs it.
 * `npx tsx bench/backtest-speed.ts` prints the section.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { backtest } from '../src/backtest/backtest.js';
import type { Timeline } from '../src/backtest/timeline.js';
import { createPrometheusRangeClient } from '../src/metrics/prometheus-client.js';
import { stepTimes, type TimeRange } from '../src/metrics/range-source.js';
import { parsePolicyText } from '../src/policy/parse-policy.js';
import { DAY } from '../test/integration/scenarios.js';
import { ROOT, buildIfStale } from './support/app-process.js';
import { BENCH_SLOS, policyYaml, startBenchPrometheus } from './support/bench-slos.js';
import { startPrometheusProxy } from './support/prometheus-proxy.js';
import { withResources } from './support/resources.js';
import { fixed, median, ms, table } from './support/stats.js';
import { runWhenMain, type Benchmark } from './section.js';

const RUNS = 5;
const STEP_SECONDS = 300;
const TARGET_MS = 5_000;
/** As the command line sets it when PROMETHEUS_TIMEOUT_MS is unset. */
const RANGE_TIMEOUT_MS = 60_000;

interface Run {
  ms: number;
  requests: number;
  /** Time the requests spent in Prometheus, summed (they overlap: four at a time). */
  prometheusMs: number;
  timeline: Timeline;
}

export const backtestSpeed: Benchmark = async ({ log }) =>
  withResources(log, async (resources) => {
    const started = Date.now();
    await buildIfStale(log);
    log('starting Prometheus with synthetic counters');
    const prometheus = await startBenchPrometheus();
    const stopPrometheus = resources.add('Prometheus', () => prometheus.stop());
    const proxy = await startPrometheusProxy(prometheus.url, 0);
    const closeProxy = resources.add('Prometheus proxy', () => proxy.close());
    const dir = await mkdtemp(join(tmpdir(), 'slo-gate-bench-backtest-'));
    resources.add('policy directory', () => rm(dir, { recursive: true, force: true }));
    try {
      const text = policyYaml(BENCH_SLOS);
      const policy = parsePolicyText(text);
      const range: TimeRange = { start: new Date((prometheus.t0 - 7 * DAY) * 1000), end: new Date(prometheus.t0 * 1000), stepSeconds: STEP_SECONDS };
      const source = createPrometheusRangeClient({ url: proxy.url, timeoutMs: RANGE_TIMEOUT_MS });
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) {
        const first = proxy.queries.length;
        const t = performance.now();
        const timeline = await backtest({ policy, source, range });
        const elapsed = performance.now() - t;
        const requests = proxy.queries.slice(first);
        runs.push({ ms: elapsed, requests: requests.length, prometheusMs: requests.reduce((sum, q) => sum + (q.finishedAt - q.arrivedAt), 0), timeline });
        log(`backtest run ${i + 1}/${RUNS}: ${ms(elapsed)}, ${requests.length} requests`);
      }

      const policyFile = join(dir, 'slo-gate.yml');
      await writeFile(policyFile, text);
      const args = [
        'bin/slo-gate.js',
        'backtest',
        '--policy',
        policyFile,
        '--from',
        range.start.toISOString(),
        '--to',
        range.end.toISOString(),
        '--step',
        '5m',
        '--json',
        '--prometheus-url',
        proxy.url,
      ];
      const t = performance.now();
      const cli = await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH }, timeout: 120_000 }).then(
        (r) => ({ ok: true, out: r.stdout }),
        (error: { stderr?: string; message: string }) => ({ ok: false, out: error.stderr ?? error.message }),
      );
      const cliMs = performance.now() - t;
      log(`command line: ${ms(cliMs)}`);
      return { title: 'Backtest speed', markdown: render(runs, range, cli.ok ? cliMs : undefined, cli.ok ? '' : cli.out, (Date.now() - started) / 1000) };
    } finally {
      await closeProxy();
      await stopPrometheus();
    }
  });

function render(runs: Run[], range: TimeRange, cliMs: number | undefined, cliError: string, seconds: number): string {
  const mid = median(runs.map((r) => r.ms))!;
  const { timeline } = runs[0]!;
  const steps = stepTimes(range).length;
  const cpu = cpus();
  const episodes = timeline.episodes.map(
    (e) =>
      `${e.state} ${e.reasons.map((r) => (r.kind === 'burn' ? `${r.slo} ${r.rule} rule` : r.kind === 'budget-exhausted' ? `${r.slo} budget spent` : `${r.slo} missing data`)).join(', ')} (${fixed((e.end - e.start) / 3600, 1)} h)`,
  );
  return [
    `**Target: under ${TARGET_MS / 1000} s — ${mid < TARGET_MS ? 'met' : '**not met**'}.** \`backtest()\` of 7 days at 5-minute steps (${steps} steps) for a policy with ${BENCH_SLOS.length} SLOs and the default rules: median ${ms(mid)} of ${RUNS} runs, ${runs[0]!.requests} HTTP requests per run (${BENCH_SLOS.length} SLOs × 5 windows × 2 queries, one \`POST /api/v1/query_range\` each: ${steps} steps fit in one request of at most 10,000).`,
    '',
    table(
      ['run', 'time', 'HTTP requests', 'time inside Prometheus (summed over requests, 4 in flight)'],
      runs.map((r, i) => [String(i + 1), ms(r.ms), String(r.requests), ms(r.prometheusMs)]),
    ),
    '',
    cliMs !== undefined
      ? `The same backtest through the command line (\`slo-gate backtest --step 5m --json\`, a new Node.js process): ${ms(cliMs)}, start-up included.`
      : `The command line run failed: \`${cliError.slice(0, 300)}\``,
    '',
    `What it found (a check that the data was read, not a speed figure): ${timeline.totals.steps} steps, ${timeline.episodes.length} episodes${episodes.length ? `: ${episodes.slice(0, 6).join('; ')}${episodes.length > 6 ? '; …' : ''}` : ''}.`,
    '',
    `How: the five services of \`test/integration/scenarios.ts\` (31 days of counters, 60 s samples, 15 s for the last 7 h) in a Prometheus started by \`test/support/prometheus-harness.ts\`, a proxy counting requests in front of it (no added latency), the client the command line uses (\`createPrometheusRangeClient\`, 60 s timeout). Range ${range.start.toISOString()} → ${range.end.toISOString()}. ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node.js ${process.version}; this section took ${seconds.toFixed(0)} s. Reproduce with \`npm run bench\` or \`npx tsx bench/backtest-speed.ts\`.`,
  ].join('\n');
}

runWhenMain(import.meta.url, backtestSpeed);

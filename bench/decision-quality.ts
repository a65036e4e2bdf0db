/**
 * Decision quality: does the gate block the deploys that hurt, and not the ones that don't?
 * Loads one synthetic Prometheus with the services of decision-quality/scenarios.ts, replays each
 * with slo-gate's default policy and two common baselines, and reports when each gate blocked.
 * `npx tsx bench/decision-quality.ts` prints the section alone.
 */
import { cpus } from 'node:os';
import { createPrometheusRangeClient } from '../src/metrics/prometheus-client.js';
import { startSyntheticPrometheus } from '../test/support/prometheus-harness.js';
import { checkExpectations } from './decision-quality/expectations.js';
import { renderSection } from './decision-quality/render.js';
import { remembering, replayScenario, type ScenarioResult } from './decision-quality/replay.js';
import { SAMPLING, SCENARIOS } from './decision-quality/scenarios.js';
import { runWhenMain, type Benchmark } from './section.js';

/** A 30-day range query may take a while on a small machine; the CLI allows 60 s as well. */
const QUERY_TIMEOUT_MS = 60_000;

export const decisionQuality: Benchmark = async ({ log }) => {
  const started = performance.now();
  log(`loading ${SCENARIOS.length} synthetic services (31 days) into a throwaway Prometheus`);
  const prometheus = await startSyntheticPrometheus(
    SCENARIOS.map((s) => s.service),
    SAMPLING,
  );
  try {
    log(`${prometheus.samples} samples at ${prometheus.url}; ${prometheus.timings}`);
    const source = remembering(createPrometheusRangeClient({ url: prometheus.url, timeoutMs: QUERY_TIMEOUT_MS }));
    const results: ScenarioResult[] = [];
    for (const scenario of SCENARIOS) {
      const replayStarted = performance.now();
      const result = await replayScenario(scenario, source, prometheus.t0);
      results.push(result);
      const gate = result.scores['slo-gate'];
      log(`${scenario.title}: slo-gate blocked ${gate.blockedDuring + gate.blockedAfter + gate.blockedWithoutIncident} min (${seconds(replayStarted)})`);
    }
    const checks = checkExpectations(results);
    for (const check of checks.filter((c) => !c.pass)) log(`expectation not met: ${check.claim}: ${check.detail}`);
    const cpu = cpus();
    const setup =
      `Measured on ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), Node.js ${process.version}; ` +
      `${prometheus.samples.toLocaleString('en')} samples (every ${SAMPLING.coarseStep} s, then every ${SAMPLING.fineStep} s for the last ` +
      `${(SAMPLING.until - SAMPLING.fineFrom) / 3600} h) loaded in: ${prometheus.timings}.`;
    return {
      title: 'Decision quality: blocking the deploys that hurt',
      markdown: renderSection(results, checks, { setup, seconds: (performance.now() - started) / 1000, queries: source.sent() }),
    };
  } finally {
    await prometheus.stop();
  }
};

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

runWhenMain(import.meta.url, decisionQuality);

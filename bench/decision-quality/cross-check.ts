/**
 * The one real-Prometheus check of the pure replay: the noiseless counters of some scenarios go
 * into a throwaway Prometheus, slo-gate's own `backtest()` replays its default policy against it,
 * and every step's verdict is compared with the pure replay of the same counters. If they agree,
 * the window math of counts.ts is what Prometheus computes.
 */
import { cpus } from 'node:os';
import { backtest } from '../../src/backtest/backtest.js';
import { createPrometheusRangeClient } from '../../src/metrics/prometheus-client.js';
import { startSyntheticPrometheus } from '../../test/support/prometheus-harness.js';
import { countsOf } from './counts.js';
import type { CrossCheck } from './expectations.js';
import { policyFor, replaySteps, sloGateSteps } from './replay.js';
import { SAMPLING, STEP_SECONDS, serviceOf, type BenchScenario } from './scenarios.js';
import { stepsOfTimeline } from './score.js';

/** A 30-day range query may take a while on a small machine; the CLI allows 60 s as well. */
const QUERY_TIMEOUT_MS = 60_000;
const MAX_DIFFERENCES = 3;

/** Runs the check on every scenario of the harness's kind (request counters; not the latency histogram). */
export async function crossCheck(scenarios: readonly BenchScenario[], log: (line: string) => void): Promise<{ result: CrossCheck; text: string }> {
  const chosen = scenarios.filter((s) => s.sli === 'errors');
  const services = chosen.map((s) => serviceOf(s, s.rps));
  log(`cross-check: loading ${services.length} noiseless services (31 days) into a throwaway Prometheus`);
  const started = performance.now();
  const prometheus = await startSyntheticPrometheus(services, SAMPLING);
  try {
    const source = createPrometheusRangeClient({ url: prometheus.url, timeoutMs: QUERY_TIMEOUT_MS });
    const result: CrossCheck = { scenarios: [], steps: 0, agreed: 0, differences: [] };
    for (const [index, scenario] of chosen.entries()) {
      const service = services[index]!;
      const policy = policyFor(scenario, service.name);
      const relative = replaySteps(scenario);
      const at = relative.map((t) => prometheus.t0 + t);
      const range = { start: new Date(at[0]! * 1000), end: new Date(at.at(-1)! * 1000), stepSeconds: STEP_SECONDS };
      const real = stepsOfTimeline(await backtest({ policy, source, range }), at, STEP_SECONDS);
      const pure = sloGateSteps(policy, service.name, countsOf(service, SAMPLING.from, SAMPLING.until), relative).steps;
      result.scenarios.push(scenario.name);
      relative.forEach((t, i) => {
        result.steps++;
        const same = real.verdicts[i] === pure.verdicts[i] && (real.reasons?.[i] ?? []).join() === (pure.reasons?.[i] ?? []).join();
        if (same) result.agreed++;
        else if (result.differences.length < MAX_DIFFERENCES) {
          result.differences.push(
            `${scenario.name} at T0${t >= 0 ? '+' : ''}${t / 60} min: Prometheus ${real.verdicts[i]} (${real.reasons?.[i]?.join(', ') ?? ''}), pure ${pure.verdicts[i]} (${pure.reasons?.[i]?.join(', ') ?? ''})`,
          );
        }
      });
    }
    const cpu = cpus();
    const text =
      `**Cross-check against a real Prometheus.** The noiseless counters of ${result.scenarios.length} scenarios (the latency one needs a histogram the` +
      ' harness does not write) were loaded into a throwaway Prometheus by `test/support/prometheus-harness.ts` ' +
      `(${prometheus.samples.toLocaleString('en')} samples, every ${SAMPLING.coarseStep} s, then every ${SAMPLING.fineStep} s for the last ` +
      `${(SAMPLING.until - SAMPLING.fineFrom) / 3600} h; ${prometheus.timings}), and slo-gate's own \`backtest()\` replayed the default policy ` +
      `through its range queries: ${result.agreed} of ${result.steps} steps gave the same verdict, for the same reasons, as the pure replay ` +
      `of the same counters (${((performance.now() - started) / 1000).toFixed(0)} s, ${cpu.length} cores, ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node.js ${process.version}).`;
    return { result, text };
  } finally {
    await prometheus.stop();
  }
}

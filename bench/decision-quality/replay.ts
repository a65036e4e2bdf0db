/**
 * Replays one scenario, at one traffic level and one seed, through every gate on the same counts:
 * slo-gate's own pure engine (`decide()`) with its default policy and with the Workbook paging
 * preset, and the baselines. The readings are built from synthetic counters exactly as Prometheus
 * would read them at whole minutes (counts.ts); bench/decision-quality.ts checks that claim
 * against a real Prometheus. Pure.
 */
import { stringify } from 'yaml';
import { decide } from '../../src/gate/decide.js';
import type { Readings, Verdict, WindowReading } from '../../src/gate/types.js';
import { windowsOf } from '../../src/metrics/promql.js';
import { parseDuration } from '../../src/policy/duration.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { SINGLE_WINDOW, STATIC_WINDOW, FOR_MINUTES, singleWindowGate, staticForGate, staticThresholdGate, type StepVerdict } from './baseline-gates.js';
import { countsOf, windowCounts, type Counts } from './counts.js';
import { SAMPLING, STEP_SECONDS, serviceOf, type BenchScenario } from './scenarios.js';
import { score, type GateSteps, type Score, type Span } from './score.js';

export const GATES = ['slo-gate', 'workbook paging', 'static threshold', 'static, for: 5m', 'single window'] as const;
export type GateName = (typeof GATES)[number];

/** slo-gate's two policies: its defaults, and the SRE Workbook's paging rules it shipped with first. */
export type Policies = Record<'slo-gate' | 'workbook paging', Policy>;

export interface Run {
  scenario: BenchScenario;
  rps: number;
  /** Undefined: the noiseless counts, as the harness writes them. */
  seed: number | undefined;
  scores: Record<GateName, Score>;
  /** slo-gate's budget left over the replay (fractions), and the steps where it warned. */
  budget: { lowest: number | undefined; highest: number | undefined; warnSteps: number; steps: number };
}

/** A policy with one SLO for the job, as a repository would commit it; `extra` adds top-level keys. */
export function policyFor(scenario: BenchScenario, job: string, extra: Record<string, unknown> = {}): Policy {
  const events =
    scenario.sli === 'latency'
      ? {
          errorQuery: `sum(rate(http_request_duration_seconds_count{job="${job}"}[{{.window}}])) - sum(rate(http_request_duration_seconds_bucket{job="${job}",le="0.3"}[{{.window}}]))`,
          totalQuery: `sum(rate(http_request_duration_seconds_count{job="${job}"}[{{.window}}]))`,
        }
      : {
          errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
          totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
        };
  return parsePolicyText(stringify({ slos: [{ name: job, objective: scenario.objective, period: '30d', sli: { events } }], ...extra }));
}

export function policiesFor(scenario: BenchScenario, job: string): Policies {
  return { 'slo-gate': policyFor(scenario, job), 'workbook paging': policyFor(scenario, job, { burnRate: { preset: 'workbook-paging' } }) };
}

/** The steps of a scenario's replay, in seconds relative to T0. */
export function replaySteps(scenario: BenchScenario): number[] {
  const steps: number[] = [];
  for (let at = scenario.replay.from; at <= scenario.replay.to; at += STEP_SECONDS) steps.push(at);
  return steps;
}

/** A seed for each scenario, traffic level and run, the same every time the benchmark runs. */
export function seedOf(scenario: BenchScenario, rps: number, run: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${scenario.name}/${rps}/${run}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}

export function replayRun(scenario: BenchScenario, rps: number, seed: number | undefined, policies: Policies): Run {
  const service = serviceOf(scenario, rps);
  const counts = countsOf(service, SAMPLING.from, SAMPLING.until, seed);
  const at = replaySteps(scenario);
  const incident: Span | undefined = scenario.incident && { ...scenario.incident };
  const allowed = (100 - scenario.objective) / 100;

  const ours = sloGateSteps(policies['slo-gate'], service.name, counts, at);
  const workbook = sloGateSteps(policies['workbook paging'], service.name, counts, at);
  const ratio5m = ratios(counts, at, STATIC_WINDOW);
  const before = ratios(
    counts,
    Array.from({ length: FOR_MINUTES }, (_, i) => at[0]! - (FOR_MINUTES - i) * STEP_SECONDS),
    STATIC_WINDOW,
  );
  const gates: Record<GateName, GateSteps> = {
    'slo-gate': ours.steps,
    'workbook paging': workbook.steps,
    'static threshold': { at, verdicts: staticThresholdGate(ratio5m, allowed) },
    'static, for: 5m': { at, verdicts: staticForGate(ratio5m, allowed, before) },
    'single window': { at, verdicts: singleWindowGate(ratios(counts, at, SINGLE_WINDOW), allowed) },
  };
  const scores = Object.fromEntries(GATES.map((gate) => [gate, score(gates[gate], incident, STEP_SECONDS)])) as Record<GateName, Score>;
  return { scenario, rps, seed, scores, budget: ours.budget };
}

/** slo-gate's verdict at every step, what blocked (rule names, `budget`), and the budget left. */
export function sloGateSteps(
  policy: Policy,
  job: string,
  counts: Counts,
  at: readonly number[],
): { steps: GateSteps; budget: Run['budget']; verdicts: Verdict[] } {
  const slo = policy.slos[0]!;
  const windows = windowsOf(slo, policy.burnRate.rules).map((window) => [window, seconds(window)] as const);
  const verdicts = at.map((t) => {
    const readings: Readings = new Map([[job, new Map(windows.map(([window, length]) => [window, readingOf(windowCounts(counts, t, length))]))]]);
    return decide(policy, readings);
  });
  const budgets = verdicts.flatMap((v) => (v.assessment.lowestBudgetLeft === undefined ? [] : [v.assessment.lowestBudgetLeft]));
  return {
    steps: { at, verdicts: verdicts.map(stepVerdictOf), reasons: verdicts.map(reasonLabels) },
    budget: {
      lowest: budgets.length > 0 ? Math.min(...budgets) : undefined,
      highest: budgets.length > 0 ? Math.max(...budgets) : undefined,
      warnSteps: verdicts.filter((v) => v.assessment.reasons.some((r) => r.kind === 'budget-low')).length,
      steps: at.length,
    },
    verdicts,
  };
}

/** What an events SLI reads over a window: the ratio (NaN with no traffic) and the failed requests. */
export function readingOf({ failed, total }: { failed: number; total: number }): WindowReading {
  return { ok: true, ratio: total === 0 ? NaN : failed / total, failed };
}

export function stepVerdictOf(verdict: Verdict): StepVerdict {
  return verdict.state === 'failure' ? 'blocked' : verdict.state === 'error' ? 'no data' : 'open';
}

/** What blocked at a step, as the backtest names it: rule names, `budget` for a spent budget, `budget frozen` or `budget restricted`. */
export function reasonLabels(verdict: Verdict): string[] {
  if (verdict.state !== 'failure') return [];
  return verdict.assessment.reasons.flatMap((r) => {
    if (r.kind === 'burn') return [r.rule];
    if (r.kind === 'budget-exhausted') return ['budget'];
    if (r.kind === 'budget-frozen') return ['budget frozen'];
    if (r.kind === 'budget-forecast') return ['budget forecast'];
    return r.kind === 'budget-restricted' && !r.allowedBy ? ['budget restricted'] : [];
  });
}

function ratios(counts: Counts, at: readonly number[], window: string): number[] {
  const length = seconds(window);
  return at.map((t) => {
    const { failed, total } = windowCounts(counts, t, length);
    return total === 0 ? NaN : failed / total;
  });
}

function seconds(window: string): number {
  const ms = parseDuration(window);
  if (ms === undefined) throw new Error(`not a duration: ${window}`);
  return ms / 1000;
}

/**
 * Replays one scenario with the three gates on the same Prometheus: slo-gate through its own
 * backtest (`backtest()`, default policy), and the two baselines from one range query each.
 */
import { stringify } from 'yaml';
import { backtest } from '../../src/backtest/backtest.js';
import { measureRange } from '../../src/backtest/measure-range.js';
import { decide } from '../../src/gate/decide.js';
import { stepTimes, type RangeSource, type TimeRange } from '../../src/metrics/range-source.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import type { Policy } from '../../src/policy/schema.js';
import { SINGLE_WINDOW, STATIC_WINDOW, errorRatioQuery, singleWindowGate, staticThresholdGate } from './baseline-gates.js';
import { BUDGET, OBJECTIVE, STEP_SECONDS, type BenchScenario } from './scenarios.js';
import { score, stepsOfTimeline, type Score, type Span } from './score.js';

export const GATES = ['slo-gate', 'static threshold', 'single window'] as const;
export type GateName = (typeof GATES)[number];

export interface ScenarioResult {
  scenario: BenchScenario;
  /** The incident in Unix seconds. */
  incident: Span | undefined;
  scores: Record<GateName, Score>;
  /** slo-gate's budget left over the replay (fractions), and the steps where it warned (below `warnBelow`). */
  budget: { lowest: number | undefined; highest: number | undefined; warnSteps: number; steps: number };
  policy: Policy;
}

/** The default policy (fast 1h/5m > 14.4, slow 6h/30m > 6, block at 0 % budget left) for one job. */
export function policyFor(job: string): Policy {
  const events = {
    errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
    totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
  };
  return parsePolicyText(stringify({ slos: [{ name: job, objective: OBJECTIVE, period: '30d', sli: { events } }] }));
}

export async function replayScenario(scenario: BenchScenario, source: RangeSource, t0: number): Promise<ScenarioResult> {
  const range: TimeRange = { start: new Date((t0 + scenario.replay.from) * 1000), end: new Date((t0 + scenario.replay.to) * 1000), stepSeconds: STEP_SECONDS };
  const at = stepTimes(range);
  const job = scenario.service.name;
  const policy = policyFor(job);
  const incident = scenario.incident && { start: t0 + scenario.incident.start, end: t0 + scenario.incident.end };

  const [timeline, measured, ratio5m, ratio1h] = await Promise.all([
    backtest({ policy, source, range }),
    // The same readings again (the source answers them from memory), for the budget warnings the timeline leaves out.
    measureRange(policy, source, range),
    source.queryRange(errorRatioQuery(job, STATIC_WINDOW), range),
    source.queryRange(errorRatioQuery(job, SINGLE_WINDOW), range),
  ]);

  const budgetsLeft: number[] = [];
  let warnSteps = 0;
  for (const [, readings] of measured) {
    const verdict = decide(policy, readings);
    if (verdict.assessment.lowestBudgetLeft !== undefined) budgetsLeft.push(verdict.assessment.lowestBudgetLeft);
    if (verdict.assessment.reasons.some((r) => r.kind === 'budget-low')) warnSteps++;
  }

  return {
    scenario,
    incident,
    policy,
    scores: {
      'slo-gate': score(stepsOfTimeline(timeline, at, STEP_SECONDS), incident, STEP_SECONDS),
      'static threshold': score({ at, verdicts: staticThresholdGate(at, ratio5m, BUDGET) }, incident, STEP_SECONDS),
      'single window': score({ at, verdicts: singleWindowGate(at, ratio1h, BUDGET) }, incident, STEP_SECONDS),
    },
    budget: {
      lowest: budgetsLeft.length > 0 ? Math.min(...budgetsLeft) : undefined,
      highest: budgetsLeft.length > 0 ? Math.max(...budgetsLeft) : undefined,
      warnSteps,
      steps: at.length,
    },
  };
}

/** Answers a repeated range query from memory, so two replays of one policy cost one set of queries. */
export function remembering(source: RangeSource): RangeSource & { sent: () => number } {
  const answers = new Map<string, Promise<Map<number, number>>>();
  return {
    queryRange(query, range) {
      const key = JSON.stringify([query, range.start.getTime(), range.end.getTime(), range.stepSeconds]);
      let answer = answers.get(key);
      if (!answer) {
        answer = source.queryRange(query, range);
        answers.set(key, answer);
      }
      return answer;
    },
    sent: () => answers.size,
  };
}

/**
 * What slo-gate is meant to do on these scenarios, checked against what it did. Pure: the checks
 * are reported with pass/fail marks, never thrown: the benchmark's job is an honest table.
 */
import { parseDuration } from '../../src/policy/duration.js';
import type { ScenarioResult } from './replay.js';
import { STEP_SECONDS } from './scenarios.js';

export interface Check {
  claim: string;
  pass: boolean;
  /** The numbers behind the mark. */
  detail: string;
  /** Not in the benchmark's brief: added because the scenario exists to show it. */
  added?: boolean;
}

const STEP_MINUTES = STEP_SECONDS / 60;

export function checkExpectations(results: readonly ScenarioResult[]): Check[] {
  const byJob = new Map(results.map((r) => [r.scenario.service.name, r]));
  const get = (job: string) => {
    const result = byJob.get(job);
    if (!result) throw new Error(`no result for scenario ${job}`);
    return result;
  };

  const hard = get('hard-outage').scores['slo-gate'];
  const checks: Check[] = [
    {
      claim: 'slo-gate blocks within 5 minutes of the hard outage starting',
      pass: hard.blocksAfter !== undefined && hard.blocksAfter <= 5,
      detail: hard.blocksAfter === undefined ? 'it never blocked' : `it blocked ${hard.blocksAfter} min after the start`,
    },
    reopening(results),
    neverBlocks(get('noisy'), 'the noisy healthy service'),
    { ...neverBlocks(get('low-traffic'), 'the low-traffic service'), added: true },
  ];

  const spent = get('budget-spent');
  const spentScore = spent.scores['slo-gate'];
  checks.push({
    claim: 'slo-gate warns, and does not block, on every step of the 90 %-spent budget',
    pass: spent.budget.warnSteps === spent.budget.steps && spentScore.blocks === 0 && spentScore.noDataSteps === 0,
    detail: `warned at ${spent.budget.warnSteps} of ${spent.budget.steps} steps, blocked ${spentScore.blockedWithoutIncident} min`,
    added: true,
  });
  return checks;
}

/**
 * After each incident slo-gate blocked, it reopens within the short window of the last rule still
 * firing, plus one step: once the short window holds no incident, that rule is quiet.
 */
function reopening(results: readonly ScenarioResult[]): Check {
  const details: string[] = [];
  let pass = true;
  for (const { scenario, scores, policy } of results) {
    const gate = scores['slo-gate'];
    if (!scenario.incident || gate.reopens === 'never blocked') continue;
    const rules = policy.burnRate.rules.filter((r) => gate.lastReasons.includes(r.name));
    const shortMinutes = Math.max(...rules.map((r) => (parseDuration(r.short) ?? Infinity) / 60_000));
    const limit = shortMinutes + STEP_MINUTES;
    const names = rules.map((r) => `\`${r.name}\` (${r.short})`).join(' and ');
    if (gate.reopens === 'still blocked' || rules.length === 0 || rules.length < gate.lastReasons.length) {
      pass = false;
      details.push(
        `${scenario.title}: ${gate.reopens === 'still blocked' ? 'still blocked at the end of the window' : `last blocked by ${gate.lastReasons.join(', ')}`}`,
      );
      continue;
    }
    if (gate.reopens > limit) pass = false;
    details.push(`${scenario.title}: ${gate.reopens} min after the end; last to stop ${names}, limit ${limit} min`);
  }
  return {
    claim: "slo-gate reopens within the last firing rule's short window plus one step after an incident ends",
    pass: pass && details.length > 0,
    detail: details.length > 0 ? details.join('; ') : 'it blocked no incident',
  };
}

function neverBlocks(result: ScenarioResult, what: string): Check {
  const gate = result.scores['slo-gate'];
  return {
    claim: `slo-gate never blocks ${what}`,
    pass: gate.blocks === 0 && gate.noDataSteps === 0,
    detail: `blocked ${gate.blockedWithoutIncident} min in ${gate.blocks} blocks over ${result.budget.steps} steps${gate.noDataSteps > 0 ? `, ${gate.noDataSteps} steps of missing data` : ''}`,
  };
}

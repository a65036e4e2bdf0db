/** The decision-quality section of docs/BENCHMARKS.md. Pure: results in, Markdown out. */
import type { Check } from './expectations.js';
import { GATES, type GateName, type ScenarioResult } from './replay.js';
import type { Score } from './score.js';
import { HOUR, type BenchScenario } from './scenarios.js';
import { SINGLE_WINDOW, SINGLE_WINDOW_FACTOR, STATIC_WINDOW } from './baseline-gates.js';

export interface RunFacts {
  /** One line on the machine, Prometheus and the data loaded. */
  setup: string;
  seconds: number;
  queries: number;
}

export function renderSection(results: readonly ScenarioResult[], checks: readonly Check[], facts: RunFacts): string {
  return [
    'Does the gate block the deploys that hurt, and not the ones that do not? Eight synthetic services,',
    'each a `job` with an SLO of 99.9 % over 30 days (budget: 0.1 % of requests fail), 10 req/s',
    'unless stated, 0.02 % errors (burn 0.2) outside the incident, replayed at 1-minute steps by three',
    'gates on the same data in the same Prometheus:',
    '',
    '- **slo-gate**: its own `backtest()` with the default policy (fast: 1h and 5m burn > 14.4;',
    '  slow: 6h and 30m burn > 6; block at 0 % budget left, warn below 25 %).',
    `- **static threshold**: blocks while the ${STATIC_WINDOW} error ratio is above 0.1 %, the SLO's allowed rate`,
    '  (the classic "error rate > 0.1 % for 5m" alert turned into a gate).',
    `- **single window**: blocks while the ${SINGLE_WINDOW} burn rate is above ${SINGLE_WINDOW_FACTOR} (the common "curl Prometheus,`,
    '  compare, exit 1" CI step).',
    '',
    '| Scenario (`job`) | Errors | Incident | Replayed |',
    '| --- | --- | --- | --- |',
    ...results.map(
      ({ scenario }) => `| ${scenario.title} (\`${scenario.service.name}\`) | ${scenario.story} | ${incidentText(scenario)} | ${replayText(scenario)} |`,
    ),
    '',
    '| Scenario | Gate | Blocks after start | Reopens after end | Blocked min during | Blocked min after end | Blocked min, no incident | Blocks | slo-gate: what blocked, budget left |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- |',
    ...results.flatMap((result) => GATES.map((gate) => row(result, gate))),
    '',
    '**Expectations**',
    '',
    ...checks.map((c) => `- ${c.pass ? '✅' : '❌'} ${c.claim}${c.added ? ' *(added by this benchmark)*' : ''}: ${c.detail}.`),
    '',
    '**Where a baseline does better**',
    '',
    ...orNone(baselineWins(results)),
    '',
    '**Where slo-gate does better**',
    '',
    ...orNone(sloGateWins(results)),
    '',
    "**Why.** The default rules are the SRE Workbook's page-level rules for a 30-day budget: `fast`",
    "fires when the last hour spent 2 % of the month's budget (burn 14.4), `slow` when the last 6 h",
    'spent 5 % (burn 6), each confirmed by a short window so the gate reopens soon after an incident',
    'ends. What spends less than that passes by design: 40 min at 2 % errors spends 1.9 % of the',
    'budget (the 1h window would need 43 min of it), the 4-hour leak 0.9 %, and an hourly 1-minute',
    'spike nothing worth blocking. A threshold on a short window reacts to all of them, and to a',
    'single failed request when traffic is low: 1 of 60 requests in 5 min is 1.7 %, burn 16.7, and',
    "only `fast`'s 1h window (burn 1.4) keeps slo-gate quiet; under about 70 requests an hour",
    '(0.02 req/s) one failed request would block it for 5 minutes. A slow burn must run until the',
    '6h window has spent 5 % before `slow` fires, and a burn exactly at a factor never fires (the',
    'comparison is strict).',
    '',
    '**How to read this.** *Blocks after start*: minutes from the first minute of elevated errors to',
    'the first step the gate blocked (`never`: not in the window). *Reopens after end*: minutes from',
    "the incident's end to the step after the gate's last block (negative: it had reopened before the",
    'incident ended). *Blocked min during / after end*: blocked steps while errors were elevated, and',
    'after they fell back (the windows still hold the incident); *no incident*: blocked steps before',
    'the incident or, for a scenario without one, anywhere: false blocks. *Blocks*: separate blocked',
    'stretches. For slo-gate, the minutes each rule (or `budget`) blocked, the rule(s) that stopped',
    'last, and the budget left over the window. Steps fall on whole minutes, where every window edge',
    'has a sample, so each rate() is the exact mean over its window.',
    '',
    `Reproduce: \`npm run bench\` (or \`npx tsx bench/decision-quality.ts\` for this section alone). ${facts.setup}`,
    `Replaying took ${facts.queries} range queries; the whole section ${facts.seconds.toFixed(0)} s.`,
  ].join('\n');
}

function row({ scenario, scores, budget }: ScenarioResult, gate: GateName): string {
  const s = scores[gate];
  const incident = scenario.incident !== undefined;
  const notes = gate === 'slo-gate' ? sloGateNotes(s, budget) : s.noDataSteps > 0 ? `${s.noDataSteps} steps without data` : '';
  return [
    scenario.title,
    gate,
    incident ? (s.blocksAfter === undefined ? 'never' : duration(s.blocksAfter)) : '—',
    incident ? reopensText(s.reopens) : '—',
    incident ? s.blockedDuring : '—',
    incident ? s.blockedAfter : '—',
    s.blockedWithoutIncident,
    s.blocks,
    notes,
  ]
    .join(' | ')
    .replace(/^/, '| ')
    .concat(' |');
}

function sloGateNotes(s: Score, budget: ScenarioResult['budget']): string {
  const parts: string[] = [];
  if (s.reasonMinutes.length > 0) {
    parts.push(
      `${s.reasonMinutes.map(([reason, minutes]) => `\`${reason}\` ${minutes} min`).join(', ')}; last to stop: ${s.lastReasons.map((r) => `\`${r}\``).join(' + ')}`,
    );
  }
  if (s.noDataSteps > 0) parts.push(`${s.noDataSteps} steps of missing data`);
  if (budget.lowest !== undefined && budget.highest !== undefined) {
    const same = percent(budget.lowest) === percent(budget.highest);
    parts.push(`budget left ${same ? percent(budget.lowest) : `${percent(budget.lowest)}–${percent(budget.highest)}`}`);
  }
  if (budget.warnSteps > 0) parts.push(`**warned** (below 25 %) at ${budget.warnSteps} of ${budget.steps} steps`);
  return parts.join('; ');
}

function baselineWins(results: readonly ScenarioResult[]): string[] {
  const lines: string[] = [];
  for (const { scenario, scores } of results) {
    const ours = scores['slo-gate'];
    for (const gate of GATES.filter((g) => g !== 'slo-gate')) {
      const theirs = scores[gate];
      const title = `**${scenario.title}**: ${gate}`;
      if (scenario.incident && theirs.blocksAfter !== undefined) {
        if (ours.blocksAfter === undefined) lines.push(`${title} blocked ${duration(theirs.blocksAfter)} after the start; slo-gate never blocked.`);
        else if (theirs.blocksAfter < ours.blocksAfter)
          lines.push(`${title} blocked after ${duration(theirs.blocksAfter)}, slo-gate after ${duration(ours.blocksAfter)}.`);
      }
      if (typeof ours.reopens === 'number' && typeof theirs.reopens === 'number' && theirs.reopens < ours.reopens) {
        lines.push(`${title} reopened ${duration(theirs.reopens)} after the end, slo-gate ${duration(ours.reopens)}.`);
      }
      if (theirs.blockedWithoutIncident < ours.blockedWithoutIncident) {
        lines.push(`${title} blocked ${theirs.blockedWithoutIncident} min with no incident, slo-gate ${ours.blockedWithoutIncident}.`);
      }
    }
  }
  return lines;
}

function sloGateWins(results: readonly ScenarioResult[]): string[] {
  const lines: string[] = [];
  for (const { scenario, scores } of results) {
    const ours = scores['slo-gate'];
    for (const gate of GATES.filter((g) => g !== 'slo-gate')) {
      const theirs = scores[gate];
      const title = `**${scenario.title}**: ${gate}`;
      if (scenario.incident && ours.blocksAfter !== undefined) {
        if (theirs.blocksAfter === undefined) lines.push(`${title} never blocked; slo-gate blocked after ${duration(ours.blocksAfter)}.`);
        else if (ours.blocksAfter < theirs.blocksAfter)
          lines.push(`${title} blocked after ${duration(theirs.blocksAfter)}, slo-gate after ${duration(ours.blocksAfter)}.`);
      }
      if (typeof ours.reopens === 'number' && typeof theirs.reopens === 'number' && ours.reopens < theirs.reopens) {
        lines.push(`${title} reopened ${duration(theirs.reopens)} after the end, slo-gate ${duration(ours.reopens)}.`);
      }
      if (ours.blockedWithoutIncident < theirs.blockedWithoutIncident) {
        lines.push(
          `${title} blocked ${theirs.blockedWithoutIncident} min with no incident (${theirs.blocks} blocks), slo-gate ${ours.blockedWithoutIncident}.`,
        );
      }
    }
  }
  return lines;
}

function orNone(lines: string[]): string[] {
  return lines.length > 0 ? lines.map((l) => `- ${l}`) : ['- Nowhere in these scenarios.'];
}

function incidentText(scenario: BenchScenario): string {
  if (!scenario.incident) return 'none';
  return duration((scenario.incident.end - scenario.incident.start) / 60);
}

function replayText({ incident, replay }: BenchScenario): string {
  const hours = (seconds: number) => `${+(seconds / HOUR).toFixed(2)} h`;
  if (!incident) return `${hours(replay.to - replay.from)}, no incident in it`;
  return `${hours(incident.start - replay.from)} before to ${hours(replay.to - incident.end)} after`;
}

function reopensText(reopens: Score['reopens']): string {
  if (reopens === 'never blocked') return '—';
  if (reopens === 'still blocked') return 'still blocked at end of window';
  return reopens <= 0 ? `${duration(reopens)} (open before the end)` : duration(reopens);
}

/** Whole minutes: `7 min`, `5 h 49 min`, `-6 min`. */
function duration(minutes: number): string {
  const sign = minutes < 0 ? '−' : '';
  const m = Math.abs(Math.round(minutes));
  return m < 120 ? `${sign}${m} min` : `${sign}${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)} %`;
}

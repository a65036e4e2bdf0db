/** The decision-quality section of docs/BENCHMARKS.md. Pure: results in, Markdown out. */
import type { Policy } from '../../src/policy/schema.js';
import { table } from '../support/stats.js';
import type { Aggregate, GateSummary, Minutes } from './aggregate.js';
import { FOR_MINUTES, SINGLE_WINDOW, SINGLE_WINDOW_FACTOR, STATIC_WINDOW } from './baseline-gates.js';
import type { Check } from './expectations.js';
import { NOTES } from './notes.js';
import { GATES, type GateName } from './replay.js';
import { HOUR, type BenchScenario } from './scenarios.js';
import type { TargetResult } from './targets.js';

export interface RunFacts {
  seeds: number;
  /** The default policy and the preset, as parsed. */
  policies: Record<'slo-gate' | 'workbook paging', Policy>;
  /** One paragraph on the real-Prometheus cross-check: machine, data loaded. */
  crossCheck: string;
  /** One paragraph on the forecast horizon, measured on the same seeds. */
  horizon: string;
  seconds: number;
}

export function renderSection(
  aggregates: readonly Aggregate[],
  targets: Record<'slo-gate' | 'workbook paging', TargetResult[]>,
  checks: readonly Check[],
  facts: RunFacts,
): string {
  const main = aggregates.filter((a) => a.rps === a.scenario.rps);
  const scenarios = main.map((a) => a.scenario);
  return [
    `Does the gate block the deploys that hurt, and not the ones that do not? ${scenarios.length} synthetic services, each a`,
    '`job` with an SLO of 99.9 % over 30 days (budget: 0.1 % of requests fail) unless stated, 10 req/s unless stated,',
    '0.02 % errors (burn 0.2) outside the incident. Each runs with seeded Poisson noise on every minute\u2019s failed and',
    `successful requests, over ${facts.seeds} seeds, at its own traffic and, where it makes sense, at other levels (0.2, 2, 100 req/s).`,
    'Every gate sees the same counts, step by step at whole minutes. slo-gate runs its own pure engine (`decide()`) on readings',
    'built from the counters the way Prometheus reads them at whole minutes; a real Prometheus checks that claim (below).',
    '',
    `- **slo-gate**: the default policy: ${rulesText(facts.policies['slo-gate'])}.`,
    `- **workbook paging**: \`burnRate.preset: workbook-paging\`, the rules slo-gate shipped with first: ${rulesText(facts.policies['workbook paging'])}.`,
    `- **static threshold**: blocks while the ${STATIC_WINDOW} error ratio is above the SLO's allowed ratio (0.1 %).`,
    `- **static, for: ${FOR_MINUTES}m**: the same, as most teams write the alert: only once it has held for ${FOR_MINUTES} minutes (6 evaluations in a row).`,
    `- **single window**: blocks while the ${SINGLE_WINDOW} burn rate is above ${SINGLE_WINDOW_FACTOR} (the "curl Prometheus, compare, exit 1" CI step).`,
    '',
    '**The scenarios, and the verdict each should get** (written down before the benchmark first ran them):',
    '',
    table(
      ['Scenario (`job`)', 'Errors', 'Incident', 'Traffic, req/s', 'Correct verdict'],
      scenarios.map((s) => [`${s.title}${s.variant ? ' *(variant)*' : ''} (\`${s.name}\`)`, s.story, incidentText(s), trafficText(s), s.correct]),
    ),
    '',
    '### Targets',
    '',
    'The issue\u2019s targets for the default policy (incident rows: median over seeds, and only if no seed blocked in the healthy',
    'hours before; no-false-block rows: every seed), then the benchmark\u2019s own for the scenarios the issue did not set one for:',
    '',
    targetTable(targets),
    '',
    ...NOTES.conflicts,
    '',
    `### Every gate, at each scenario's own traffic (${facts.seeds} seeds)`,
    '',
    table(
      [
        'Scenario',
        'Gate',
        'Blocks after start',
        'Reopens after end',
        'Open after 1st block',
        'Blocked min during',
        'after end',
        'False-block min',
        'Blocks',
        'What blocked (slo-gate)',
      ],
      main.flatMap((a) => GATES.map((gate) => resultRow(a, gate))),
    ),
    '',
    '### Other traffic levels',
    '',
    table(
      [
        'Scenario',
        'req/s',
        'slo-gate: blocks after',
        'open after 1st block',
        'false-block min',
        'workbook paging: blocks after',
        'false-block min',
        'static, for: 5m: blocks after',
        'false-block min',
      ],
      aggregates.filter((a) => a.scenario.alsoAt.length > 0).map(trafficRow),
    ),
    '',
    '### Where a baseline still does better',
    '',
    ...orNone(comparisons(main, 'theirs')),
    '',
    '### Where slo-gate does better',
    '',
    ...orNone(comparisons(main, 'ours')),
    '',
    '### Other checks',
    '',
    ...checks.map((c) => `- ${c.pass ? '✅' : '❌'} ${c.claim}: ${c.detail}.`),
    '',
    ...NOTES.why,
    '',
    facts.horizon,
    '',
    '**How to read this.** *Blocks after start*: minutes from the first minute of elevated errors to the first blocked step,',
    'median over seeds, then the worst seed (`never`: not in the replay). *Reopens after end*: minutes from the incident\u2019s end',
    'to the first open step after the gate\u2019s last block during it (negative: it had reopened before the end; a later block is',
    'counted in *after end*). *Open after 1st block*: the share of the incident, from the first block to the end, during which',
    'the gate was open (median; a seed that never blocked counts 100 %): twelve short blocks are not "caught". *Blocked min*:',
    'means over seeds. *False-block min*: blocked minutes before the incident (or anywhere, for a scenario without one): mean,',
    'worst seed; for the 24-hour replays these are minutes per day. *Blocks*: separate blocked stretches, mean.',
    '',
    facts.crossCheck,
    '',
    `Reproduce: \`npm run bench\` (or \`npx tsx bench/decision-quality.ts\` for this section alone); the section took ${facts.seconds.toFixed(0)} s.`,
  ].join('\n');
}

function rulesText(policy: Policy): string {
  const rules = policy.burnRate.rules.map((r) => `\`${r.name}\` ${r.long} and ${r.short} > ${r.factor}`).join('; ');
  const { minErrors } = policy.burnRate;
  const guard = minErrors > 0 ? `; a rule fires only when its long window holds at least ${minErrors} failed requests` : '';
  return `${rules}${guard}; block at ${policy.budget.blockBelow} % budget left, warn below ${policy.budget.warnBelow} %`;
}

function targetTable(targets: Record<'slo-gate' | 'workbook paging', TargetResult[]>): string {
  const workbook = new Map(targets['workbook paging'].map((t) => [`${t.scenario.name}/${t.rps}`, t]));
  return table(
    ['Scenario', 'req/s', 'Target', 'slo-gate (default policy)', '', 'workbook paging', ''],
    targets['slo-gate'].map((t) => {
      const theirs = workbook.get(`${t.scenario.name}/${t.rps}`);
      return [
        `${t.scenario.title}${t.scenario.added ? ' *(benchmark\u2019s own)*' : ''}`,
        String(t.rps),
        t.goal,
        t.measured,
        t.met ? '✅ met' : '❌ not met',
        theirs?.measured ?? '',
        theirs ? (theirs.met ? '✅ met' : '❌ not met') : '',
      ];
    }),
  );
}

function resultRow({ scenario, gates }: Aggregate, gate: GateName): string[] {
  const s = gates[gate];
  const incident = scenario.incident !== undefined;
  return [
    scenario.title,
    gate,
    incident ? `${minutes(s.blocksAfter!.median)} / ${minutes(s.blocksAfter!.worst)}` : '—',
    incident && s.reopens ? `${reopen(s.reopens.median)} / ${reopen(s.reopens.worst)}` : '—',
    incident ? share(s) : '—',
    incident ? round(s.blockedDuring) : '—',
    incident ? round(s.blockedAfter) : '—',
    `${round(s.falseBlocks.mean)} / ${s.falseBlocks.worst}`,
    round(s.blocks),
    gate === 'slo-gate' ? reasons(s) : '',
  ];
}

function trafficRow({ scenario, rps, gates }: Aggregate): string[] {
  const incident = scenario.incident !== undefined;
  const cells = (s: GateSummary) => [incident ? `${minutes(s.blocksAfter!.median)} / ${minutes(s.blocksAfter!.worst)}` : '—'];
  const falseBlocks = (s: GateSummary) => `${round(s.falseBlocks.mean)} / ${s.falseBlocks.worst}`;
  return [
    scenario.title,
    `${rps}${rps === scenario.rps ? ' (own)' : ''}`,
    ...cells(gates['slo-gate']),
    incident ? share(gates['slo-gate']) : '—',
    falseBlocks(gates['slo-gate']),
    ...cells(gates['workbook paging']),
    falseBlocks(gates['workbook paging']),
    ...cells(gates['static, for: 5m']),
    falseBlocks(gates['static, for: 5m']),
  ];
}

/** Median-to-median comparisons of slo-gate with each baseline, at each scenario's own traffic. */
function comparisons(aggregates: readonly Aggregate[], winner: 'ours' | 'theirs'): string[] {
  const lines: string[] = [];
  for (const { scenario, gates } of aggregates) {
    const ours = gates['slo-gate'];
    for (const gate of GATES.filter((g) => g !== 'slo-gate')) {
      const theirs = gates[gate];
      const [better, worse, betterName, worseName] = winner === 'theirs' ? [theirs, ours, gate, 'slo-gate'] : [ours, theirs, 'slo-gate', gate];
      const title = `**${scenario.title}**, ${gate}:`;
      if (scenario.incident) {
        const b = better.blocksAfter!.median;
        const w = worse.blocksAfter!.median;
        if (typeof b === 'number' && (w === 'never' || b < w))
          lines.push(`${title} ${betterName} blocked ${minutes(b)} after the start, ${worseName} ${w === 'never' ? 'never' : minutes(w)}.`);
        const br = better.reopens?.median;
        const wr = worse.reopens?.median;
        // Reopening before the end is not a win: it is being open during the incident, counted above.
        // Nor is reopening sooner when it did not block in the first place (on most seeds).
        const bothBlocked = typeof b === 'number' && typeof w === 'number';
        if (bothBlocked && typeof br === 'number' && br >= 0 && (wr === 'still blocked' || (typeof wr === 'number' && br < wr))) {
          lines.push(`${title} ${betterName} reopened ${reopen(br)} after the end, ${worseName} ${reopen(wr)}.`);
        }
        const bs = better.openAfterFirstBlock?.share;
        const ws = worse.openAfterFirstBlock?.share;
        if (bs !== undefined && ws !== undefined && bs + 0.05 < ws) {
          lines.push(
            `${title} ${betterName} was open ${Math.round(bs * 100)} % of the incident after its first block, ${worseName} ${Math.round(ws * 100)} %.`,
          );
        }
      }
      if (better.falseBlocks.mean < worse.falseBlocks.mean) {
        lines.push(
          `${title} ${betterName} blocked ${round(better.falseBlocks.mean)} min with no incident (mean; worst ${better.falseBlocks.worst}), ${worseName} ${round(worse.falseBlocks.mean)} (worst ${worse.falseBlocks.worst}).`,
        );
      }
    }
  }
  return lines;
}

function reasons(s: GateSummary): string {
  if (s.reasonMinutes.length === 0) return '';
  const parts = s.reasonMinutes.map(([reason, m]) => `\`${reason}\` ${round(m)} min`).join(', ');
  return s.lastReasons.length > 0 ? `${parts}; last to stop: ${s.lastReasons.map((r) => `\`${r}\``).join(' + ')}` : parts;
}

function share(s: GateSummary): string {
  const open = s.openAfterFirstBlock;
  return open ? `${Math.round(open.share * 100)} %` : 'never blocked';
}

function orNone(lines: string[]): string[] {
  return lines.length > 0 ? lines.map((l) => `- ${l}`) : ['- Nowhere in these scenarios.'];
}

function incidentText(scenario: BenchScenario): string {
  if (!scenario.incident) return 'none (24 h replayed)';
  const { start, end } = scenario.incident;
  return `${minutes((end - start) / 60)}; replayed from ${hours(start - scenario.replay.from)} before to ${hours(scenario.replay.to - end)} after`;
}

function trafficText(scenario: BenchScenario): string {
  return scenario.alsoAt.length > 0 ? `${scenario.rps}; also ${scenario.alsoAt.join(', ')}` : String(scenario.rps);
}

function hours(seconds: number): string {
  return `${+(seconds / HOUR).toFixed(2)} h`;
}

function reopen(value: number | 'still blocked' | undefined): string {
  if (value === undefined) return '—';
  if (value === 'still blocked') return 'still blocked';
  return minutes(value);
}

/** Whole minutes: `7 min`, `5 h 49 min`, `−6 min`; `never`. */
function minutes(value: Minutes): string {
  if (value === 'never') return 'never';
  const sign = value < 0 ? '−' : '';
  const m = Math.abs(Math.round(value));
  return m < 120 ? `${sign}${m} min` : `${sign}${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

function round(value: number): string {
  return String(Math.round(value * 10) / 10);
}

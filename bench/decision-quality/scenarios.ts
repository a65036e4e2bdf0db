/**
 * The services the decision-quality benchmark replays, and the verdict each one should get. Every
 * `correct` verdict and every target below was written down before the benchmark first ran them;
 * they are not adjusted to what a gate did. Pure data.
 *
 * Each service is one `job` of synthetic counters (see test/support/prometheus-harness.ts) with an
 * SLO of 99.9 % over 30 days (the latency scenario: 99 %), so a burn rate is the error ratio over
 * 0.001. Times are seconds relative to T0. Every incident ends at T0 - 7h and is replayed from 2 h
 * before it starts to 8 h after it ends; services without an incident are replayed over the last
 * 24 h of data. Every replay step is a whole minute, where a sample sits on each window edge.
 */
import type { Sampling, Segment, SyntheticService } from '../../test/support/prometheus-harness.js';

export const MINUTE = 60;
export const HOUR = 3600;
export const DAY = 86_400;

export const OBJECTIVE = 99.9;
/** The allowed error ratio of a 99.9 % SLO. */
export const BUDGET = 0.001;

const DATA_FROM = -31 * DAY;
const DATA_UNTIL = 1 * HOUR;
/** 60 s samples until a day before T0, 15 s samples after, as the integration tests sample. */
export const SAMPLING: Sampling = { from: DATA_FROM, until: DATA_UNTIL, fineFrom: -24 * HOUR, coarseStep: 60, fineStep: 15 };
export const STEP_SECONDS = 60;

/** The traffic every scenario is judged at unless it says otherwise. */
export const RPS = 10;
/** Where it makes sense, each pattern also runs at these. */
const OTHER_RATES = [2, 100];
/** 0.02 % errors: burn 0.2, a healthy service. */
const BASELINE = 0.0002;
const INCIDENT_END = -7 * HOUR;

export interface Incident {
  /** When the error rate goes up and comes back down, relative to T0. */
  start: number;
  end: number;
}

/** What the issue asks of the default policy on a scenario, judged at `rps`. */
export type Target =
  /** Incident rows, judged on the median over seeds, and only if no seed blocked before the incident. */
  | { kind: 'blocks-within'; minutes: number; reopensWithin?: number }
  /** Open at most this share of the incident after the first block (median over seeds). */
  | { kind: 'stays-blocked'; openShare: number; blocksWithin?: number }
  /** Not one blocked minute, on any seed. */
  | { kind: 'never-blocks' }
  /** Blocked minutes per day: mean over seeds and the worst seed. */
  | { kind: 'blocked-per-day'; mean: number; worst: number };

export interface BenchScenario {
  /** The `job` label at the scenario's own traffic (another traffic level adds `-<rps>rps`). */
  name: string;
  title: string;
  /** The error pattern, for the reader. */
  story: string;
  /** The verdict a gate should reach, written down before the benchmark ran it. */
  correct: string;
  /** Undefined: nothing in the replay window is an incident, so any block is a false block. */
  incident: Incident | undefined;
  replay: { from: number; to: number };
  /** The traffic it is judged at, and the other levels it also runs at. */
  rps: number;
  alsoAt: number[];
  objective: number;
  /** Which SLI the policy reads: request errors, or slow requests from histogram buckets. */
  sli: 'errors' | 'latency';
  /** The error fraction over time, at any traffic. */
  segments: Segment[];
  /** The target for this scenario, at `targetAt` requests per second (default: `rps`). */
  target?: Target;
  targetAt?: number[];
  /** The target is the benchmark's own (written with `correct`), not one of the rows. */
  added?: boolean;
  /** Not in the issue: another pattern the same rules are judged on, so they are not tuned to one. */
  variant?: boolean;
}

/** An incident of `minutes` ending at INCIDENT_END, replayed from 2 h before to 8 h after. */
function incidentOf(minutes: number): Pick<BenchScenario, 'incident' | 'replay'> {
  const start = INCIDENT_END - minutes * MINUTE;
  return { incident: { start, end: INCIDENT_END }, replay: { from: start - 2 * HOUR, to: INCIDENT_END + 8 * HOUR } };
}

const LAST_DAY = { incident: undefined, replay: { from: DATA_UNTIL - 24 * HOUR, to: DATA_UNTIL } };

/** `base`, then `fraction` over the incident, then `base` again. */
function during(incident: Incident, fraction: number, base = BASELINE): Segment[] {
  return [
    { from: DATA_FROM, errorFraction: base },
    { from: incident.start, errorFraction: fraction },
    { from: incident.end, errorFraction: base },
  ];
}

/** `base` everywhere, and `pulse` for `width` seconds every `every` seconds from `first` until `until`. */
function pulses(base: number, pulse: number, width: number, every: number, first: number, until = DATA_UNTIL): Segment[] {
  const segments: Segment[] = [{ from: DATA_FROM, errorFraction: base }];
  for (let at = first; at < until; at += every) segments.push({ from: at, errorFraction: pulse }, { from: at + width, errorFraction: base });
  return segments;
}

/** Pulses inside the incident only, baseline around it. */
function pulsesDuring(incident: Incident, pulse: number, width: number, every: number): Segment[] {
  return [...pulses(BASELINE, pulse, width, every, incident.start, incident.end), { from: incident.end, errorFraction: BASELINE }];
}

const hard = incidentOf(10);
const sharp = incidentOf(40);
const leak = incidentOf(4 * 60);
const slow = incidentOf(12 * 60);
const threeHours = incidentOf(3 * 60);
const lowTraffic = incidentOf(15);

const LOW_RPS = 0.2;
/** A single failed request at 0.2 req/s: 5 s in which every request fails (0.2 x 5 x 1 = 1). */
const SINGLE_ERROR_SECONDS = 5;

export const SCENARIOS: BenchScenario[] = [
  {
    name: 'hard-outage',
    title: 'hard outage',
    story: '100 % errors for 10 min (burn 1000)',
    correct: 'block within 2 min of the start; reopen within 15 min of the end (nothing is failing any more)',
    ...hard,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: during(hard.incident!, 1),
    target: { kind: 'blocks-within', minutes: 2, reopensWithin: 15 },
  },
  {
    name: 'sharp-incident',
    title: 'sharp incident',
    story: '2 % errors for 40 min (burn 20)',
    correct: 'block within 5 min and stay blocked until it ends: at burn 20 the budget would be gone in 36 h',
    ...sharp,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: during(sharp.incident!, 0.02),
    target: { kind: 'blocks-within', minutes: 5 },
  },
  {
    name: 'leak',
    title: 'leak',
    story: '4 h of bursts: 10 min at 0.32 %, 10 min at 0.02 %, 12 times (mean burn 1.7)',
    correct: 'block within 60 min: a steady leak at 1.7 times the sustainable rate is not noise',
    ...leak,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulsesDuring(leak.incident!, 0.0032, 10 * MINUTE, 20 * MINUTE),
    target: { kind: 'blocks-within', minutes: 60 },
  },
  {
    name: 'slow-burn',
    title: 'slow burn',
    story: '0.62 % errors for 12 h (burn 6.2)',
    correct: 'block within 15 min: at burn 6 the whole budget is gone in 5 days',
    ...slow,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: during(slow.incident!, 0.0062),
    target: { kind: 'blocks-within', minutes: 15 },
  },
  {
    name: 'slow-burn-at-factor',
    title: 'slow burn at 6',
    story: '0.6 % errors for 12 h (burn 6.0, exactly the Workbook slow rule\u2019s factor)',
    correct: 'block within 15 min, as at 6.2: a gate must not hinge on a strict comparison at one number',
    ...slow,
    rps: RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: during(slow.incident!, 0.006),
    target: { kind: 'blocks-within', minutes: 15 },
  },
  {
    name: 'bad-deploy',
    title: 'bad deploy',
    story: 'a deploy at the start; from 1 min after it, 0.5 % errors (burn 5) for 3 h',
    correct: 'block within 15 min of the errors starting, before the next deploy lands on top',
    ...threeHours,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: during(threeHours.incident!, 0.005),
    target: { kind: 'blocks-within', minutes: 15 },
  },
  {
    name: 'flapping',
    title: 'flapping dependency',
    story: '30 s of 100 % errors every 15 min for 3 h (mean burn 33)',
    correct: 'block at the first flap and stay blocked: open at most 20 % of the incident after the first block',
    ...threeHours,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulsesDuring(threeHours.incident!, 1, 30, 15 * MINUTE),
    target: { kind: 'stays-blocked', openShare: 0.2 },
  },
  {
    name: 'low-traffic-outage',
    title: 'low-traffic outage',
    story: '0.2 req/s, 100 % errors for 15 min (180 failed requests)',
    correct: 'block within 3 min: 36 failed requests in a row is an outage, whatever the traffic',
    ...lowTraffic,
    rps: LOW_RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: during(lowTraffic.incident!, 1, 0),
    target: { kind: 'blocks-within', minutes: 3 },
  },
  {
    name: 'latency-regression',
    title: 'latency regression',
    story: 'SLO: 99 % of requests under 300 ms, from histogram buckets; 0.4 % slower (burn 0.4), then 5 % (burn 5) for 3 h after a deploy',
    correct: 'block within 15 min, as for a bad deploy: a slow request spends the budget like a failed one',
    ...threeHours,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: 99,
    sli: 'latency',
    segments: during(threeHours.incident!, 0.05, 0.004),
    target: { kind: 'blocks-within', minutes: 15 },
    added: true,
  },
  {
    name: 'low-budget-incident',
    title: 'incident on a low budget',
    story: '0.1 % errors (burn 1) until T0 - 8d, then 0.02 %: about 20 % of the budget left when 0.3 % errors (burn 3) start for 3 h',
    correct: 'pass with a low-budget warning before; block within 30 min of the incident (3 times the sustainable rate, 20 % left)',
    ...threeHours,
    rps: RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: [
      { from: DATA_FROM, errorFraction: 0.001 },
      { from: -8 * DAY, errorFraction: BASELINE },
      { from: threeHours.incident!.start, errorFraction: 0.003 },
      { from: threeHours.incident!.end, errorFraction: BASELINE },
    ],
    target: { kind: 'blocks-within', minutes: 30 },
    added: true,
  },
  {
    name: 'noisy',
    title: 'noisy healthy service',
    story: '0.02 %, with a 1-min spike of 2 % at 17 past every hour for all 31 days (hourly mean burn 0.53)',
    correct: 'never block: a one-minute spike spends 0.003 % of the budget',
    ...LAST_DAY,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulses(BASELINE, 0.02, MINUTE, HOUR, DATA_FROM + 17 * MINUTE),
    target: { kind: 'never-blocks' },
  },
  {
    name: 'low-traffic',
    title: 'low-traffic service',
    story: '0.2 req/s, 0 % errors but one failed request at 37 past every second hour (mean burn 0.69)',
    correct: 'never block: one failed request is not a burn',
    ...LAST_DAY,
    rps: LOW_RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulses(0, 1 / (LOW_RPS * SINGLE_ERROR_SECONDS), SINGLE_ERROR_SECONDS, 2 * HOUR, DATA_FROM + 37 * MINUTE),
    target: { kind: 'never-blocks' },
  },
  {
    name: 'harmless-deploys',
    title: 'harmless deploys',
    story: '0.02 %, and 6 deploys a day, each 90 s at 1 % errors while old pods drain (every 4 h, at 13 past)',
    correct: 'never block: each deploy spends 0.003 % of the budget',
    ...LAST_DAY,
    rps: RPS,
    alsoAt: OTHER_RATES,
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulses(BASELINE, 0.01, 90, 4 * HOUR, DATA_FROM + 13 * MINUTE),
    target: { kind: 'never-blocks' },
  },
  {
    name: 'healthy-noise',
    title: 'healthy service under noise',
    story: '0.08 % errors (burn 0.8) for the whole replayed day, 0.02 % before',
    correct: 'pass: below the sustainable rate; at most 5 blocked min a day on average, 15 on the worst seed',
    ...LAST_DAY,
    rps: RPS,
    alsoAt: [0.2, 2, 100],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: [
      { from: DATA_FROM, errorFraction: BASELINE },
      { from: LAST_DAY.replay.from - HOUR, errorFraction: 0.0008 },
    ],
    target: { kind: 'blocked-per-day', mean: 5, worst: 15 },
    targetAt: [2, 10],
  },
  {
    name: 'budget-spent',
    title: 'budget 90 % spent',
    story: '0.12 % errors from T0 - 31d to T0 - 10d (burn 1.2), then 0.02 %: 86-90 % of the 30-day budget spent during the replay',
    correct: 'pass with a low-budget warning at every step: nothing is burning now',
    ...LAST_DAY,
    rps: RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: [
      { from: DATA_FROM, errorFraction: 0.0012 },
      { from: -10 * DAY, errorFraction: BASELINE },
    ],
    target: { kind: 'never-blocks' },
    added: true,
  },
  {
    name: 'flapping-25m',
    title: 'flapping, another period',
    story: '45 s of 100 % errors every 25 min for 3 h (mean burn 30)',
    correct: 'block at the first flap and stay blocked, as for the 15-min flapping',
    ...threeHours,
    rps: RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulsesDuring(threeHours.incident!, 1, 45, 25 * MINUTE),
    target: { kind: 'stays-blocked', openShare: 0.2 },
    added: true,
    variant: true,
  },
  {
    name: 'leak-short-bursts',
    title: 'leak, another rhythm',
    story: '4 h of bursts: 5 min at 0.5 %, 10 min at 0.02 %, 16 times (mean burn 1.8)',
    correct: 'block within 60 min, as for the leak',
    ...leak,
    rps: RPS,
    alsoAt: [],
    objective: OBJECTIVE,
    sli: 'errors',
    segments: pulsesDuring(leak.incident!, 0.005, 5 * MINUTE, 15 * MINUTE),
    target: { kind: 'blocks-within', minutes: 60 },
    added: true,
    variant: true,
  },
];

/** The service a scenario is at one traffic level; its own level keeps the plain name. */
export function serviceOf(scenario: BenchScenario, rps: number): SyntheticService {
  const name = rps === scenario.rps ? scenario.name : `${scenario.name}-${String(rps).replace('.', '_')}rps`;
  return { name, requestsPerSecond: rps, segments: scenario.segments };
}

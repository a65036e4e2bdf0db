/**
 * The services the decision-quality benchmark replays: each is one `job` of synthetic counters
 * (see test/support/prometheus-harness.ts), SLO 99.9 % over 30 days, so the error budget is 0.1 %
 * of requests and a burn rate is the error ratio over 0.001. Pure data.
 *
 * Times are seconds relative to T0. Every incident ends at T0 - 7h and is replayed from 2 h before
 * it starts to 8 h after it ends (T0 + 1h, the end of the data). Services without an incident are
 * replayed over the last 24 h of data. Every replay step (whole minutes) falls on a sample, so
 * each window edge has one and Prometheus 2's rate() is the exact mean over the window.
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

const RPS = 10;
/** 0.02 % errors: burn 0.2, a healthy service. */
const BASELINE = 0.0002;
const INCIDENT_END = -7 * HOUR;

export interface Incident {
  /** When the error rate goes up and comes back down, relative to T0. */
  start: number;
  end: number;
}

export interface BenchScenario {
  service: SyntheticService;
  title: string;
  /** The error pattern, for the reader. */
  story: string;
  /** Undefined: nothing in the replay window is an incident, so any block is a false block. */
  incident: Incident | undefined;
  replay: { from: number; to: number };
}

/** An incident of `minutes` ending at INCIDENT_END, replayed from 2 h before to 8 h after. */
function incidentOf(minutes: number): Pick<BenchScenario, 'incident' | 'replay'> {
  const start = INCIDENT_END - minutes * MINUTE;
  return { incident: { start, end: INCIDENT_END }, replay: { from: start - 2 * HOUR, to: INCIDENT_END + 8 * HOUR } };
}

const LAST_DAY = { incident: undefined, replay: { from: DATA_UNTIL - 24 * HOUR, to: DATA_UNTIL } };

/** Baseline, then `fraction` over the incident, then baseline again. */
function outage(name: string, incident: Incident | undefined, fraction: number): SyntheticService {
  const { start, end } = incident!;
  return {
    name,
    requestsPerSecond: RPS,
    segments: [
      { from: DATA_FROM, errorFraction: BASELINE },
      { from: start, errorFraction: fraction },
      { from: end, errorFraction: BASELINE },
    ],
  };
}

/** `base` everywhere, and `pulse` for `width` seconds every `every` seconds starting at `offset`. */
function pulses(base: number, pulse: number, width: number, every: number, offset: number): Segment[] {
  const segments: Segment[] = [{ from: DATA_FROM, errorFraction: base }];
  for (let at = DATA_FROM + offset; at < DATA_UNTIL; at += every) {
    segments.push({ from: at, errorFraction: pulse }, { from: at + width, errorFraction: base });
  }
  return segments;
}

const hard = incidentOf(10);
const sharp = incidentOf(40);
const leak = incidentOf(4 * 60);
const slow = incidentOf(12 * 60);

/** Leak bursts: 10 min at 0.32 % (0.3 % above the baseline), then 10 min at the baseline, 12 times. */
const LEAK_BURST = 0.0032;
/** 0.6 % on top of the baseline: burn 6.2, just over the slow rule's 6. */
const SLOW_BURN = 0.0062;
/** Exactly the slow rule's factor: 0.6 % is burn 6, which does not exceed 6. */
const SLOW_AT_FACTOR = 0.006;
const LOW_RPS = 0.2;
/** A single failed request at 0.2 req/s: 5 s in which every request fails (0.2 x 5 x 1 = 1). */
const SINGLE_ERROR_SECONDS = 5;
/** The budget scenario's three weeks: 0.12 % errors (burn 1.2) until T0 - 10d. */
const OVERSPEND = 0.0012;
const OVERSPEND_UNTIL = -10 * DAY;

export const SCENARIOS: BenchScenario[] = [
  {
    title: 'hard outage',
    story: '100 % errors for 10 min (burn 1000)',
    ...hard,
    service: outage('hard-outage', hard.incident, 1),
  },
  {
    title: 'sharp incident',
    story: '2 % errors for 40 min (burn 20)',
    ...sharp,
    service: outage('sharp-incident', sharp.incident, 0.02),
  },
  {
    title: 'leak',
    story: '4 h of bursts: 10 min at 0.32 %, 10 min at 0.02 %, 12 times (mean 0.17 %, burn 1.7)',
    ...leak,
    service: {
      name: 'leak',
      requestsPerSecond: RPS,
      segments: [
        { from: DATA_FROM, errorFraction: BASELINE },
        ...Array.from({ length: 12 }, (_, i): Segment[] => [
          { from: leak.incident!.start + i * 20 * MINUTE, errorFraction: LEAK_BURST },
          { from: leak.incident!.start + i * 20 * MINUTE + 10 * MINUTE, errorFraction: BASELINE },
        ]).flat(),
      ],
    },
  },
  {
    title: 'slow burn',
    story: '0.62 % errors for 12 h (burn 6.2)',
    ...slow,
    service: outage('slow-burn', slow.incident, SLOW_BURN),
  },
  {
    title: 'slow burn at the factor',
    story: "0.6 % errors for 12 h (burn 6.0, exactly the slow rule's factor)",
    ...slow,
    service: outage('slow-burn-at-factor', slow.incident, SLOW_AT_FACTOR),
  },
  {
    title: 'noisy healthy service',
    story: '0.02 %, with a 1-min spike of 2 % at 17 past every hour for all 31 days (hourly mean burn 0.53)',
    ...LAST_DAY,
    service: { name: 'noisy', requestsPerSecond: RPS, segments: pulses(BASELINE, 0.02, MINUTE, HOUR, 17 * MINUTE) },
  },
  {
    title: 'low traffic',
    story: '0.2 req/s, 0 % errors but one failed request at 37 past every second hour (mean burn 0.69)',
    ...LAST_DAY,
    service: {
      name: 'low-traffic',
      requestsPerSecond: LOW_RPS,
      segments: pulses(0, 1 / (LOW_RPS * SINGLE_ERROR_SECONDS), SINGLE_ERROR_SECONDS, 2 * HOUR, 37 * MINUTE),
    },
  },
  {
    title: 'budget 90 % spent',
    story: '0.12 % errors from T0 - 31d to T0 - 10d (burn 1.2), then 0.02 %: 86-90 % of the 30-day budget spent during the replay',
    ...LAST_DAY,
    service: {
      name: 'budget-spent',
      requestsPerSecond: RPS,
      segments: [
        { from: DATA_FROM, errorFraction: OVERSPEND },
        { from: OVERSPEND_UNTIL, errorFraction: BASELINE },
      ],
    },
  },
];

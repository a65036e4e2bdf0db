/**
 * The figures of one org-incident run, as plain data: what the report shows, and what is kept in
 * JSON so that a later run can print the figures of an earlier commit beside its own.
 */
import type { OrgRun } from './org-run.js';
import { INTERVAL_MS } from './org-run.js';

export const DEFAULT_INTERVAL_S = 300;
export const BUDGET_PER_HOUR = 5000;

export interface OrgFigures {
  label: string;
  prs: number;
  replicas: number;
  /** Seeded (OrgRun.seeded): opening is "every pull request evaluated", recovery was not run. Absent in figures saved before seeding existed. */
  seeded?: boolean;
  /** Steady phase (nothing changes, every pull request blocked): per interval, and per hour at the default 5-minute interval. */
  idle:
    | {
        intervals: number;
        requestsPerInterval: number;
        requestsPerHourAtDefault: number;
        byRoutePerInterval: Record<string, number>;
        queriesPerInterval: number;
        distinctQueries: number;
        statusWrites: number;
      }
    | undefined;
  openedSeconds: number | undefined;
  blockedAfterOpening: number;
  recoverySeconds: number | undefined;
  recoveryTargetSeconds: number;
  firstSuccessSeconds: number | undefined;
  recovered: number;
  newDuringIncidentSeconds: number | undefined;
  newDuringFanOutSeconds: number | undefined;
  newDuringFanOutWritesBefore: number;
  peakRssMb: number[];
  cpuSeconds: number[];
  totals: OrgRun['totals'];
  byRoute: Record<string, number>;
  warnings: number;
  firstWarning: string | undefined;
  unexpected: number;
  firstUnexpected: string | undefined;
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export function figuresOf(run: OrgRun): OrgFigures {
  const steady = run.steady;
  const perInterval = (n: number) => (steady ? n / steady.intervals : 0);
  const byRoute: Record<string, number> = {};
  for (const r of steady?.requests ?? []) byRoute[r.route] = (byRoute[r.route] ?? 0) + 1;
  return {
    label: run.label,
    prs: run.prs,
    replicas: run.replicas,
    seeded: run.seeded,
    idle: steady && {
      intervals: steady.intervals,
      requestsPerInterval: perInterval(steady.requests.length),
      requestsPerHourAtDefault: perInterval(steady.requests.length) * (3600 / DEFAULT_INTERVAL_S),
      byRoutePerInterval: Object.fromEntries(Object.entries(byRoute).map(([route, n]) => [route, perInterval(n)])),
      queriesPerInterval: perInterval(steady.queries.length),
      distinctQueries: new Set(steady.queries.map((q) => q.query)).size,
      statusWrites: steady.statusWrites,
    },
    openedSeconds: seconds(run.openedMs),
    blockedAfterOpening: run.blockedAfterOpening,
    recoverySeconds: seconds(run.recoveryMs),
    recoveryTargetSeconds: recoveryTargetSeconds(run.prs),
    firstSuccessSeconds: seconds(run.firstSuccessMs),
    recovered: run.recovered,
    newDuringIncidentSeconds: seconds(run.newDuringIncidentMs),
    newDuringFanOutSeconds: seconds(run.newDuringFanOutMs),
    newDuringFanOutWritesBefore: run.newDuringFanOutWritesBefore,
    peakRssMb: run.rss.map((bytes) => bytes / 1e6),
    cpuSeconds: run.cpuSeconds,
    totals: run.totals,
    byRoute: Object.fromEntries(run.byRoute),
    warnings: run.warnings.length,
    firstWarning: run.warnings[0],
    unexpected: run.unexpected.length,
    firstUnexpected: run.unexpected[0],
  };
}

/** Issue 8's bound: one interval, then the write floor of 1 write per second per pull request, plus 10 %. */
export function recoveryTargetSeconds(prs: number, intervalS = INTERVAL_MS / 1000): number {
  return 1.1 * (intervalS + prs);
}

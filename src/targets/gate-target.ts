import type { Logger } from 'probot';
import { evaluate } from '../evaluate.js';
import type { PolicyProblem } from '../errors.js';
import type { BypassCandidate } from '../gate/types.js';
import { stateOf, type Report } from '../gate/report.js';
import type { Policy } from '../policy/schema.js';
import type { Job } from '../state/store.js';
import type { GateServices } from '../handlers/services.js';
import { retryDelayMs, withJitter } from './retry.js';
import { isSuperseded, type TargetVersion } from './stale-guard.js';

/** What a target evaluates with, or why it is not evaluated at all. */
export type Prepared =
  | { kind: 'not-gated'; why: string }
  | { kind: 'invalid'; problems: PolicyProblem[] }
  | {
      kind: 'ready';
      policy: Policy;
      candidates: readonly BypassCandidate[];
      /** The change's labels, for `budget.allowLabels` (a restricted budget lets allowed labels through). */
      labels?: readonly string[];
    };

/**
 * One thing the gate decides about: a pull request head, an environment's branch head, a
 * protection-rule request, a post-deploy verification. Each door into slo-gate is an adapter that
 * builds one of these; `runGate` gives them all the same guarantees.
 */
export interface GateTarget {
  /** Which door the target came through, for `/metrics`. */
  readonly kind: 'pull_request' | 'environment' | 'protection_rule' | 'deployment' | 'verification';
  /** One evaluation at a time per key, across replicas (`pr:owner/repo#2`, `env:owner/repo:production`). */
  readonly key: string;
  /** The commit and moment this request describes. One older than a version already seen for the key is stale. */
  readonly version?: TargetVersion;
  /** Names the target in log lines. */
  readonly where: Record<string, unknown>;
  /** The durable job that evaluates this target again from GitHub's current state. */
  readonly recheck: Job;
  /** Reads what the evaluation needs: the policy (for this target's SLOs) and any bypass candidates. */
  prepare(): Promise<Prepared>;
  /** Judges a ready target; the engine's `evaluate()` when the target has no judgement of its own. */
  evaluate?(prepared: Extract<Prepared, { kind: 'ready' }>): Promise<Report>;
  /** Writes the outcome where people see it; checks `stillCurrent()` before each write. */
  publish(report: Report, prepared: Prepared | undefined, stillCurrent: () => Promise<boolean>): Promise<void>;
  /** The target is not gated (any more): undo whatever of ours still blocks it. */
  release(prepared: Extract<Prepared, { kind: 'not-gated' }>): Promise<void>;
  /** When to evaluate again after this outcome, in ms; undefined when nothing is left to do. */
  nextCheckMs(report: Report, prepared: Prepared | undefined): number | undefined;
}

/**
 * The one machinery every target goes through: one at a time per key (across replicas with Redis),
 * never for a version older than one already seen, always ending in exactly one published outcome
 * once the target is gated, and always leaving a durable re-check behind while work is left: after
 * the outcome says so, or after a failure (with capped backoff that honours GitHub's `retry-after`).
 */
export async function runGate(services: GateServices, target: GateTarget, log: Logger): Promise<Report | undefined> {
  const skip = (): undefined => void log.info(target.where, 'skipped: a newer version of this target arrived');
  // Noted before waiting for the lock, so an evaluation of an older version already under way stops writing.
  if (await isSuperseded(services.store, target.key, target.version)) return skip();
  return services.store.withLock(`gate:${target.key}`, async () => {
    if (await isSuperseded(services.store, target.key, target.version)) return skip();
    const started = performance.now();
    let prepared: Prepared | undefined;
    let report: Report;
    try {
      prepared = await target.prepare();
      if (prepared.kind === 'not-gated') {
        await target.release(prepared);
        await services.store.jobs.cancel(target.recheck.id);
        log.debug({ ...target.where, why: prepared.why }, 'not gated');
        return undefined;
      }
      if (prepared.kind === 'invalid') report = { kind: 'invalid-policy', problems: prepared.problems };
      else if (target.evaluate) report = await target.evaluate(prepared);
      else {
        const { policy, candidates, labels } = prepared;
        report = {
          kind: 'verdict',
          verdict: await evaluate({ policy, metrics: services.metrics, candidates, labels, now: services.now, deadlineMs: services.evaluationDeadlineMs }),
        };
      }
    } catch (error) {
      log.error({ err: error, ...target.where }, 'slo-gate failed to evaluate');
      report = { kind: 'failed', message: (error as Error).message ?? String(error) };
    }
    try {
      await target.publish(report, prepared, async () => !(await isSuperseded(services.store, target.key, target.version)));
    } catch (error) {
      // GitHub failed even after Octokit's retries: the re-check writes it later, so it is not lost.
      const attempt = attemptOf(target.recheck) + 1;
      await services.store.jobs.schedule(withAttempt(target.recheck, attempt), retryDelayMs(error, attempt, { baseMs: services.retryBaseMs }));
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    services.telemetry.evaluated(stateOf(report), seconds, target.kind);
    log.info(summary(report, { ...target.where, seconds }), 'slo-gate evaluated');
    const next = target.nextCheckMs(report, prepared);
    if (next === undefined) await services.store.jobs.cancel(target.recheck.id);
    else await services.store.jobs.schedule(target.recheck, withJitter(next, services.random));
    return report;
  });
}

/** Never look again sooner than this, however soon a verdict expects to pass. */
export const MIN_RECHECK_MS = 30_000;

/**
 * When to look again at a target that does not pass yet: every `intervalMs`, or sooner when the
 * verdict expects to pass sooner (a rule's short window clearing), but never within MIN_RECHECK_MS.
 */
export function nextLookMs(report: Report, intervalMs: number): number {
  const expected = report.kind === 'verdict' ? report.verdict.expectedPassInMs : undefined;
  if (expected === undefined || !Number.isFinite(expected)) return intervalMs;
  return Math.min(intervalMs, Math.max(MIN_RECHECK_MS, expected));
}

/** How many times in a row this job has failed (0 for a fresh one). */
export function attemptOf(job: Job): number {
  const attempt = job.data.attempt;
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt > 0 ? attempt : 0;
}

export function withAttempt(job: Job, attempt: number): Job {
  return { ...job, data: { ...job.data, attempt } };
}

/** One structured line per evaluation: what was decided and the numbers behind it, no payloads or secrets. */
function summary(report: Report, where: Record<string, unknown> & { seconds: number }): Record<string, unknown> {
  const base = { ...where, seconds: Number(where.seconds.toFixed(3)), state: stateOf(report), kind: report.kind };
  if (report.kind !== 'verdict') return base;
  const { verdict } = report;
  return {
    ...base,
    wouldBe: verdict.wouldBe,
    mode: verdict.mode,
    bypass: verdict.bypass && `${verdict.bypass.label} by ${verdict.bypass.actor}`,
    highestBurn: verdict.assessment.highestBurn,
    lowestBudgetLeft: verdict.assessment.lowestBudgetLeft,
    reasons: verdict.assessment.reasons.map((r) => `${r.kind}:${r.kind === 'freeze' ? r.window : r.slo}`),
  };
}

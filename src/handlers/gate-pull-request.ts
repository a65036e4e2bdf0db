import type { Logger } from 'probot';
import { evaluate } from '../evaluate.js';
import { stateOf, type Report } from '../gate/report.js';
import { loadPolicy } from '../github/policy-source.js';
import { pullRequestGitHub, type Octokit, type PullRequestHead } from '../github/pull-request.js';
import type { Policy } from '../policy/schema.js';
import { bypassCandidates, type LabelEvent } from './bypass-candidates.js';
import { publish, statusMemoKey, writeStatus, type StatusMemo } from './publish.js';
import type { GateServices } from './services.js';

/** A pull request head to gate, from a webhook payload or from the API (re-checks, commands). */
export interface GateTarget extends PullRequestHead {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  /** The label the triggering `labeled` event applied, and by whom. */
  labeledNow?: LabelEvent;
}

const HEAD_TTL_MS = 30 * 86_400_000;

export const recheckJobId = (t: { owner: string; repo: string; number: number }) => `recheck:${t.owner}/${t.repo}#${t.number}`;

/**
 * Gates one pull request head: one at a time per pull request (across replicas with Redis), never
 * for a head older than one already gated, always ending in exactly one status once the repository
 * has a policy, and scheduling a re-check while the answer is not `success`.
 */
export async function gatePullRequest(services: GateServices, octokit: Octokit, target: GateTarget, log: Logger): Promise<Report | undefined> {
  const { owner, repo, number } = target;
  const slug = `${owner}/${repo}`;
  const key = `${slug}#${number}`;
  const skip = (): undefined => void log.info({ repo: slug, pr: number, sha: target.sha }, 'skipped: a newer head of this pull request arrived');
  // Noted before waiting for the lock, so an evaluation of the older head already under way stops writing.
  if (await superseded(services, key, target)) return skip();
  return services.store.withLock(`pr:${key}`, async () => {
    if (await superseded(services, key, target)) return skip();
    const started = performance.now();
    const github = pullRequestGitHub(octokit, { owner, repo, number });
    const sink = { github, store: services.store, telemetry: services.telemetry, log };
    let policy: Policy | undefined;
    let report: Report;
    try {
      const loaded = await loadPolicy(octokit, { owner, repo });
      if (loaded.kind === 'none') {
        await releaseGate(sink, slug, target.sha);
        await services.store.jobs.cancel(recheckJobId(target));
        log.debug({ repo: slug }, 'no .github/slo-gate.yml: this repository is not gated');
        return undefined;
      }
      if (loaded.kind === 'invalid') {
        report = { kind: 'invalid-policy', problems: loaded.problems };
      } else {
        policy = loaded.policy;
        const candidates = await bypassCandidates(policy, target.labels, target.labeledNow, github);
        report = { kind: 'verdict', verdict: await evaluate({ policy, metrics: services.metrics, candidates }) };
      }
    } catch (error) {
      log.error({ err: error, repo: slug, pr: number, sha: target.sha }, 'slo-gate failed to evaluate');
      report = { kind: 'failed', message: (error as Error).message ?? String(error) };
    }
    try {
      const stillCurrent = async () => !(await superseded(services, key, target));
      await publish(sink, report, { repo: slug, number, sha: target.sha, policy, recheckEveryMs: services.recheckIntervalMs, stillCurrent });
    } catch (error) {
      // GitHub failed even after Octokit's retries: a re-check writes the status later, so it is not lost.
      await scheduleRecheck(services, target, { kind: 'failed', message: 'publishing failed' });
      throw error;
    }
    const seconds = (performance.now() - started) / 1000;
    services.telemetry.evaluated(stateOf(report), seconds);
    log.info(summary(report, { repo: slug, pr: number, sha: target.sha, seconds }), 'slo-gate evaluated');
    await scheduleRecheck(services, target, report);
    return report;
  });
}

/**
 * True when a newer head of this pull request has been seen: this event is late, or was overtaken
 * while it waited, and must not overwrite what the newer head writes. Otherwise records this head
 * as the newest seen.
 */
async function superseded({ store }: GateServices, key: string, target: GateTarget): Promise<boolean> {
  const seen = await store.get(`head:${key}`);
  const newest = seen ? (JSON.parse(seen) as { sha: string; updatedAt: string }) : undefined;
  if (newest && newest.sha !== target.sha && Date.parse(newest.updatedAt) > Date.parse(target.updatedAt)) return true;
  if (newest?.sha !== target.sha || newest.updatedAt !== target.updatedAt) {
    await store.set(`head:${key}`, JSON.stringify({ sha: target.sha, updatedAt: target.updatedAt }), HEAD_TTL_MS);
  }
  return false;
}

/** The policy was removed: a status we left on this head must not keep blocking it forever. */
async function releaseGate(sink: Parameters<typeof writeStatus>[0], repo: string, sha: string): Promise<void> {
  const memo = await sink.store.get(statusMemoKey(repo, sha));
  if (!memo) return;
  const { context, state } = JSON.parse(memo) as StatusMemo;
  if (state === 'success') return;
  await writeStatus(sink, repo, sha, { context, state: 'success', description: 'Not gated: the repository has no .github/slo-gate.yml any more' });
}

async function scheduleRecheck({ store, recheckIntervalMs, random }: GateServices, target: GateTarget, report: Report): Promise<void> {
  const id = recheckJobId(target);
  // Re-reading an unusable policy cannot fix it; a push that changes the policy re-evaluates.
  if (stateOf(report) === 'success' || report.kind === 'invalid-policy') return store.jobs.cancel(id);
  const jitter = 1 + (random() - 0.5) * 0.2; // ±10%, so a burst of blocked pull requests does not re-check in lockstep
  const { installationId, owner, repo, number } = target;
  await store.jobs.schedule({ id, kind: 'recheck', data: { installationId, owner, repo, number } }, Math.round(recheckIntervalMs * jitter));
}

/** One structured line per evaluation: what was decided and the numbers behind it, no payloads or secrets. */
function summary(report: Report, where: { repo: string; pr: number; sha: string; seconds: number }): Record<string, unknown> {
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
    reasons: verdict.assessment.reasons.map((r) => `${r.kind}:${r.slo}`),
  };
}

import type { Logger } from 'probot';
import { freezeAllowLabels } from '../gate/change-freeze.js';
import { stateOf } from '../gate/report.js';
import type { BypassCandidate, Verdict } from '../gate/types.js';
import { bypassCandidates } from '../github/bypass-candidates.js';
import { deploymentsGitHub } from '../github/deployments.js';
import { loadPolicy } from '../github/policy-source.js';
import { pullRequestGitHub, type Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { findEnvironment, policyForEnvironment, waitForMs, type NamedEnvironment } from '../policy/environments.js';
import type { Policy } from '../policy/schema.js';
import { renderProgressReport, renderProtectionDecision } from '../render/deployment.js';
import { describeReport } from '../render/describe.js';
import { nextLookMs, type GateTarget, type Prepared } from './gate-target.js';

/** One `deployment_protection_rule.requested`: a workflow run waiting for this app to approve or reject an environment. */
export interface ProtectionRuleRequest {
  installationId: number;
  owner: string;
  repo: string;
  runId: number;
  /** The environment's name exactly as GitHub sent it: the decision must name it so. */
  environment: string;
  /** When the request arrived: `waitFor` counts from here. */
  requestedAt: string;
  sha?: string;
  /** The pull requests of the run's event (a bypass label on one of them lets the deployment through). */
  pullRequests: number[];
}

/** Requests for the same run and environment this soon after a decision share it (matrix jobs, redeliveries). */
export const SHARED_DECISION_MS = 10 * 60_000;
/** How long a request whose policy cannot be read (GitHub failing) is retried before it is rejected. */
export const UNREADABLE_GRACE_MS = 30 * 60_000;
/** Progress reports per waiting deployment: GitHub keeps 10 reviews per deployment, and the decision is one. */
const MAX_PROGRESS = 8;

export const protectionRuleKey = ({ owner, repo, runId, environment }: Pick<ProtectionRuleRequest, 'owner' | 'repo' | 'runId' | 'environment'>) =>
  `rule:${owner}/${repo}:${runId}:${environment.toLowerCase()}`;

export function protectionRuleJob(request: ProtectionRuleRequest) {
  return { id: protectionRuleKey(request), kind: 'protection-rule', data: { ...request } };
}

interface Decision {
  state: 'approved' | 'rejected';
  at: string;
}

/**
 * The protection-rule door: GitHub holds a workflow job until this app approves or rejects its
 * environment. A blocked request with `waitFor` is re-evaluated until the budget allows (approved
 * at once) or the wait runs out (rejected), with progress reports meanwhile. Every request ends in
 * exactly one decision, whichever replica takes its job.
 */
export function protectionRuleTarget(services: GateServices, octokit: Octokit, request: ProtectionRuleRequest, log: Logger): GateTarget {
  const { now } = services;
  const { owner, repo, runId, environment } = request;
  const slug = `${owner}/${repo}`;
  const key = protectionRuleKey(request);
  const github = deploymentsGitHub(octokit, { owner, repo });
  const requestedAt = Date.parse(request.requestedAt);
  let found: NamedEnvironment | undefined;
  let notListed = false;
  let decided = false;
  let remainingMs = 0;

  const decide = async (state: Decision['state'], comment: string, result: 'approved' | 'rejected' | 'timed_out' | 'bypassed' | 'not_gated') => {
    if (await services.store.get(`rule-decided:${key}`)) return void (decided = true); // another replica decided
    await github.reviewProtectionRule(runId, environment, state, comment);
    decided = true;
    const decision: Decision = { state, at: new Date(now()).toISOString() };
    // Decided before the pending claim goes, so a request arriving in between still shares this decision.
    await services.store.set(`rule-decided:${key}`, JSON.stringify(decision), SHARED_DECISION_MS);
    await services.store.release(`rule-pending:${key}`);
    services.telemetry.deployment({ repository: slug, environment: found?.name ?? environment, result });
    services.telemetry.protectionRuleWait((now() - requestedAt) / 1000);
    log.info({ repo: slug, runId, environment, state, result }, 'protection rule decided');
  };

  return {
    kind: 'protection_rule',
    key,
    where: { repo: slug, runId, environment },
    recheck: protectionRuleJob(request),

    async prepare(): Promise<Prepared> {
      const loaded = await loadPolicy(octokit, { owner, repo });
      if (loaded.kind === 'none') return { kind: 'not-gated', why: 'the repository has no .github/slo-gate.yml' };
      if (loaded.kind === 'invalid') return { kind: 'invalid', problems: loaded.problems };
      found = findEnvironment(loaded.policy, environment);
      notListed = !found;
      if (!found) return { kind: 'not-gated', why: `.github/slo-gate.yml does not gate the environment ${environment}` };
      const { candidates, labels } = await labelsOf(services, octokit, loaded.policy, request);
      return { kind: 'ready', policy: policyForEnvironment(loaded.policy, found), candidates, labels };
    },

    async publish(report) {
      if (await services.store.get(`rule-decided:${key}`)) return void (decided = true);
      // Failed before the policy was read (GitHub failing): nothing says how long to wait, so it
      // retries for a while, then ends as missing data does by default: rejected, saying why.
      const waitMs = found ? waitForMs(found) : report.kind === 'failed' ? UNREADABLE_GRACE_MS : 0;
      const waitedMs = now() - requestedAt;
      remainingMs = waitMs - waitedMs;
      const decision = { environment, sha: request.sha, waitedMs: waitMs > 0 && waitedMs >= 60_000 ? waitedMs : undefined };
      if (stateOf(report) === 'success') {
        const bypassed = report.kind === 'verdict' && report.verdict.bypass !== undefined;
        return decide('approved', renderProtectionDecision(report, { ...decision, state: 'approved' }), bypassed ? 'bypassed' : 'approved');
      }
      // An unusable policy cannot heal by waiting; anything else (a burn, missing data, a failure) may.
      if (remainingMs > 0 && report.kind !== 'invalid-policy') {
        if (report.kind === 'verdict') await reportProgress(report.verdict, { environment, waitedMs, remainingMs, recheckEveryMs: services.recheckIntervalMs });
        return;
      }
      const timedOut = found !== undefined && waitMs > 0 && report.kind !== 'invalid-policy';
      return decide('rejected', renderProtectionDecision(report, { ...decision, state: 'rejected', timedOut }), timedOut ? 'timed_out' : 'rejected');
    },

    async release() {
      const why = notListed ? 'not-listed' : 'no-policy';
      await decide('approved', renderProtectionDecision({ kind: 'not-gated', why }, { environment, sha: request.sha, state: 'approved' }), 'not_gated');
    },

    nextCheckMs(report) {
      return decided ? undefined : Math.max(1_000, Math.min(nextLookMs(report, services.recheckIntervalMs), remainingMs));
    },
  };

  /** At most MAX_PROGRESS reports, the first at once, later ones only when what blocks has changed. */
  async function reportProgress(verdict: Verdict, context: Parameters<typeof renderProgressReport>[1]): Promise<void> {
    const progressKey = `rule-progress:${key}`;
    const previous = JSON.parse((await services.store.get(progressKey)) ?? '{"count":0,"text":""}') as { count: number; text: string };
    const text = renderProgressReport(verdict, context);
    const gist = describeReport({ kind: 'verdict', verdict }); // what blocks, not the ticking wait
    if (previous.count >= MAX_PROGRESS || previous.text === gist) return;
    await github.reportProgress(runId, environment, text);
    services.telemetry.wroteToGitHub('progress');
    await services.store.set(progressKey, JSON.stringify({ count: previous.count + 1, text: gist }), waitForMs(found!) + 86_400_000);
  }
}

/**
 * The labels on the pull requests of the run's event, read now, and who applied the bypass labels
 * among them: a bypass or an allowed label on one of them counts for the deployment.
 */
async function labelsOf(
  services: GateServices,
  octokit: Octokit,
  policy: Policy,
  request: ProtectionRuleRequest,
): Promise<{ candidates: BypassCandidate[]; labels: string[] }> {
  const opening = [...policy.bypass.labels, ...(policy.budget.restrictBelow === undefined ? [] : policy.budget.allowLabels), ...freezeAllowLabels(policy)];
  const candidates: BypassCandidate[] = [];
  const labels = new Set<string>();
  if (opening.length === 0) return { candidates, labels: [] };
  for (const number of request.pullRequests.slice(0, 5)) {
    const github = pullRequestGitHub(octokit, { owner: request.owner, repo: request.repo, number }, services.botLogin);
    const head = await github.fetchHead();
    head.labels.forEach((label) => labels.add(label));
    candidates.push(...(await bypassCandidates(policy, head.labels, undefined, github)));
  }
  return { candidates, labels: [...labels] };
}

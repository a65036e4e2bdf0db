import type { Logger } from 'probot';
import { freezeAllowLabels } from '../gate/change-freeze.js';
import { stateOf } from '../gate/report.js';
import { bypassCandidates, type LabelEvent } from '../github/bypass-candidates.js';
import { checkRuns, lastCheckRunState, lastReportMode, rememberReportMode, writeCheckRun } from '../github/check-run.js';
import { commitStatuses } from '../github/commit-status.js';
import { DEFAULT_CONTEXT, lastStatus, publish, writeStatus, type Sink } from '../github/publish.js';
import { pullRequestGitHub, type Octokit, type PullRequestGitHub, type PullRequestHead } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { handToGroup } from '../org/group-membership.js';
import { cachedPolicy } from '../org/policy-cache.js';
import { scopePolicy } from '../policy/paths.js';
import type { Policy } from '../policy/schema.js';
import type { Store } from '../state/store.js';
import { nextLookMs, type GateTarget } from './gate-target.js';
import { publicationExtras, pullRequestExtras, type PullRequestExtras } from './pull-request-extras.js';

export interface PullRequestRef {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/** A pull request head to gate, from a webhook payload or from the API (re-checks, commands). */
export interface PullRequestRequest extends PullRequestRef, PullRequestHead {
  /** The label the triggering `labeled` event applied, and by whom. */
  labeledNow?: LabelEvent;
  /** `event`: the head and labels come from a webhook payload, which may be late; `recheck`: from the API just now. */
  trigger: 'event' | 'recheck';
  /** Written by its gate group's job (src/org/group-job.ts), which keeps its membership and its next look. */
  grouped?: { compareWithGitHub: boolean; statusOnly?: boolean };
  /** Someone pressed Re-run on our check run (src/handlers/check-run.ts): it is written again even if unchanged. */
  rerequested?: boolean;
}

const CONTEXT_TTL_MS = 90 * 86_400_000;

export const recheckJobId = (t: { owner: string; repo: string; number: number }) => `recheck:${t.owner}/${t.repo}#${t.number}`;

/** The durable job that gates this pull request again from its current state on GitHub. */
export function pullRequestRecheck({ installationId, owner, repo, number }: PullRequestRef) {
  return { id: recheckJobId({ owner, repo, number }), kind: 'recheck', data: { installationId, owner, repo, number } };
}

/**
 * The pull-request door: the head commit gets the policy's commit status and the pull request one
 * summary comment. While the answer is not `success` it is looked at again every re-check interval.
 */
export function pullRequestTarget(services: GateServices, octokit: Octokit, request: PullRequestRequest, log: Logger): GateTarget {
  const { owner, repo, number, sha } = request;
  const slug = `${owner}/${repo}`;
  const github = pullRequestGitHub(octokit, { owner, repo, number }, services.botLogin);
  const sink: Sink = {
    github,
    statuses: commitStatuses(octokit, { owner, repo }),
    store: services.store,
    telemetry: services.telemetry,
    log,
    details: services.details,
    checks: services.appId && checkRuns(octokit, { owner, repo }, services.appId, services.now),
  };
  let inGroup = false;
  let extras: PullRequestExtras | undefined; // the changed files' part: SLOs by paths, the policy preview
  return {
    kind: 'pull_request',
    key: `pr:${slug}#${number}`,
    version: { sha, at: request.updatedAt },
    where: { repo: slug, pr: number, sha },
    recheck: pullRequestRecheck(request),

    async prepare() {
      const loaded = await cachedPolicy(services, octokit, { owner, repo });
      if (loaded.kind === 'none') return { kind: 'not-gated', why: 'no .github/slo-gate.yml' };
      if (loaded.kind === 'invalid') {
        extras = await pullRequestExtras(services, octokit, request, undefined, log); // a fix of the policy gets its preview
        return { kind: 'invalid', problems: loaded.problems };
      }
      await services.store.set(contextKey(slug), loaded.policy.context, CONTEXT_TTL_MS);
      await rememberReportMode(services.store, slug, loaded.policy.report);
      extras = await pullRequestExtras(services, octokit, request, loaded.policy, log);
      // Only the SLOs whose paths the pull request touches (every SLO without paths): whatever decides it later uses this policy.
      const policy = scopePolicy(loaded.policy, extras.scope);
      const { labels, labeledNow } = await confirmedLabels(policy, request, github);
      return { kind: 'ready', policy, candidates: await bypassCandidates(policy, labels, labeledNow, github), labels };
    },

    async publish(report, prepared, stillCurrent) {
      const policy = prepared?.kind === 'ready' ? prepared.policy : undefined;
      const context = policy?.context ?? (await lastContext(services.store, slug));
      await publish(sink, report, {
        repo: slug,
        number,
        sha,
        context,
        policy,
        recheckEveryMs: services.recheckIntervalMs,
        compareWithGitHub: request.grouped ? request.grouped.compareWithGitHub : request.trigger === 'recheck',
        stillCurrent,
        extras: await publicationExtras(extras, report),
        statusOnly: request.grouped?.statusOnly,
        report: policy?.report ?? (await lastReportMode(services.store, slug)),
        rerequested: request.rerequested,
      });
      if (!request.grouped) inGroup = await handToGroup(services, request, report, prepared, log);
    },

    async release() {
      // The policy was removed: a status we left on this head must not keep blocking it forever.
      const context = await lastContext(services.store, slug);
      const description = 'Not gated: the repository has no .github/slo-gate.yml any more';
      const checkRun = sink.checks && (await lastCheckRunState(services.store, slug, sha, context));
      if (sink.checks && checkRun && checkRun !== 'success') {
        await writeCheckRun({ ...sink, checks: sink.checks }, slug, sha, {
          name: context,
          state: 'success',
          title: description,
          summary: description,
          pullRequest: number,
        });
      }
      const memo = await lastStatus(services.store, slug, sha, context);
      if (!memo || memo.state === 'success') return;
      await writeStatus(sink, slug, sha, { context, state: 'success', description });
    },

    nextCheckMs(report) {
      if (request.grouped || inGroup) return undefined; // its gate group looks again, once for all its members
      // Re-reading an unusable policy cannot fix it; a push that changes the policy re-evaluates.
      if (stateOf(report) === 'success' || report.kind === 'invalid-policy') return undefined;
      return nextLookMs(report, services.recheckIntervalMs);
    },
  };
}

const contextKey = (slug: string) => `context:${slug}`;

/** The context this repository's policy named last: failures must land where the required check looks. */
async function lastContext(store: Store, slug: string): Promise<string> {
  return (await store.get(contextKey(slug))) ?? DEFAULT_CONTEXT;
}

/**
 * The labels a bypass (or a restricted budget's allowed label) may rest on. A webhook's labels can
 * be stale (a `labeled` event delivered after the `unlabeled` that undid it), so before such a
 * label counts, the pull request is read from the API and only the labels on it now are kept. No
 * read when no such label is involved.
 */
async function confirmedLabels(
  policy: Policy,
  request: PullRequestRequest,
  github: PullRequestGitHub,
): Promise<{ labels: readonly string[]; labeledNow: LabelEvent | undefined }> {
  const { labels, labeledNow, trigger } = request;
  // Labels that can open the gate: bypass labels, and the labels a restricted budget lets through.
  const opening = [...policy.bypass.labels, ...(policy.budget.restrictBelow === undefined ? [] : policy.budget.allowLabels), ...freezeAllowLabels(policy)];
  if (trigger === 'recheck' || !opening.some((label) => labels.includes(label))) return { labels, labeledNow };
  const current = await github.fetchHead();
  return { labels: current.labels, labeledNow: labeledNow && current.labels.includes(labeledNow.label) ? labeledNow : undefined };
}

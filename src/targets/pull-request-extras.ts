import type { Logger } from 'probot';
import type { Report } from '../gate/report.js';
import { changedFiles } from '../github/changed-files.js';
import type { PublicationExtras } from '../github/publish.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { selectSlos, usesPaths, type Scope } from '../policy/paths.js';
import type { Policy } from '../policy/schema.js';
import { NOT_AFFECTED, notAffected } from '../render/scope.js';
import { changesPolicy, policyPreview, type PolicyPreview } from './policy-preview.js';

/** What a pull request's changed files add to its gate: the SLOs that apply, and a preview when it changes the policy. */
export interface PullRequestExtras {
  /** Set when the policy limits SLOs to `paths`; the gate then uses only `scope.applicable`. */
  scope?: Scope;
  /** Under way while the gate evaluates; never rejects. */
  preview?: Promise<PolicyPreview>;
}

/**
 * Reads the pull request's changed files (once per head) and from them picks the SLOs that gate
 * it and starts the policy preview, which runs while the gate evaluates. `current` is the policy
 * in force, undefined when it cannot be used (the preview is then all the more useful).
 */
export async function pullRequestExtras(
  services: GateServices,
  octokit: Octokit,
  pr: { owner: string; repo: string; number: number; sha: string },
  current: Policy | undefined,
  log: Logger,
): Promise<PullRequestExtras> {
  const changed = await changedFiles(octokit, pr, services.store);
  const where = { repo: `${pr.owner}/${pr.repo}`, pr: pr.number, sha: pr.sha };
  if (changed.kind === 'unknown') log.warn({ ...where, why: changed.why, detail: changed.detail }, 'changed files unknown: every SLO gates this pull request');
  const scope = current && usesPaths(current.slos) ? selectSlos(current.slos, changed) : undefined;
  if (!changesPolicy(changed)) return { scope };
  const preview = policyPreview({
    octokit,
    pr,
    current,
    metrics: services.metrics,
    range: services.rangeMetrics,
    store: services.store,
    now: services.now,
  }).catch((error: unknown): PolicyPreview => {
    log.warn({ ...where, err: error }, 'policy preview failed');
    return { at: new Date(services.now()).toISOString(), notes: [], failed: (error as Error).message };
  });
  return { scope, preview };
}

/** What the pull request's status and comment show besides the verdict. The preview never changes the status. */
export async function publicationExtras(extras: PullRequestExtras | undefined, report: Report): Promise<PublicationExtras | undefined> {
  if (!extras) return undefined;
  const preview = await extras.preview;
  const unaffected = notAffected(extras.scope) && report.kind === 'verdict' && report.verdict.state === 'success';
  return {
    ...(unaffected ? { description: NOT_AFFECTED } : {}),
    comment: { scope: extras.scope, preview },
    wantsComment: preview !== undefined,
  };
}

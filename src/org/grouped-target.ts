import type { Logger } from 'probot';
import type { Report } from '../gate/report.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import type { Policy } from '../policy/schema.js';
import type { GateTarget } from '../targets/gate-target.js';
import { pullRequestTarget } from '../targets/pull-request-target.js';
import type { IndexedPullRequest } from './pr-index.js';

export interface GroupedPullRequest extends IndexedPullRequest {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/**
 * A grouped pull request as a gate target: the pull-request door (its lock, stale guard, status and
 * comment, written only where they change), with the policy and verdict its group already has,
 * so writing it reads nothing from GitHub. `compareWithGitHub`: compare with the status GitHub
 * shows (one read), for the bounded foreign-status check.
 */
export function groupedTarget(
  services: GateServices,
  octokit: Octokit,
  pr: GroupedPullRequest,
  policy: Policy,
  report: Report,
  { compareWithGitHub, log }: { compareWithGitHub: boolean; log: Logger },
): GateTarget {
  const request = { ...pr, state: 'open', trigger: 'recheck' as const, grouped: { compareWithGitHub } };
  const target = pullRequestTarget(services, octokit, request, log);
  return {
    ...target,
    prepare: async () => ({ kind: 'ready', policy, candidates: [], labels: pr.labels }),
    evaluate: async () => report,
  };
}

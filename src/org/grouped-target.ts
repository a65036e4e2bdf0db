import type { Logger } from 'probot';
import { evaluate } from '../evaluate.js';
import { decide } from '../gate/decide.js';
import type { Report } from '../gate/report.js';
import type { Readings } from '../gate/types.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import type { GateTarget } from '../targets/gate-target.js';
import { pullRequestTarget } from '../targets/pull-request-target.js';
import { policyFingerprint } from './policy-cache.js';
import type { IndexedPullRequest } from './pr-index.js';

export interface GroupedPullRequest extends IndexedPullRequest {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
}

/** A gate group's one measurement: the readings, or the failed report every member gets (fail closed). */
export type GroupMeasurement = { fingerprint: string } & ({ readings: Readings } | { failed: Report });

/**
 * A grouped pull request as a gate target: the pull-request door (its lock, stale guard, policy
 * from the cache, changed files from the store, status and comment written only where they change),
 * judged from the group's measurement instead of measuring again. Should the pull request's policy
 * no longer be the group's, it is measured on its own (through the query cache). With warm caches
 * writing it reads nothing from GitHub; `compareWithGitHub` reads its status once, for the
 * bounded foreign-status check.
 */
export function groupedTarget(
  services: GateServices,
  octokit: Octokit,
  pr: GroupedPullRequest,
  measurement: GroupMeasurement,
  { compareWithGitHub, statusOnly = false, log }: { compareWithGitHub: boolean; statusOnly?: boolean; log: Logger },
): GateTarget {
  const request = { ...pr, state: 'open', trigger: 'recheck' as const, grouped: { compareWithGitHub, statusOnly } };
  return {
    ...pullRequestTarget(services, octokit, request, log),
    async evaluate({ policy, candidates, labels }) {
      if (policyFingerprint(policy) !== measurement.fingerprint) {
        return {
          kind: 'verdict',
          verdict: await evaluate({ policy, metrics: services.metrics, candidates, labels, now: services.now, deadlineMs: services.evaluationDeadlineMs }),
        };
      }
      if ('failed' in measurement) return measurement.failed;
      return { kind: 'verdict', verdict: decide(policy, measurement.readings, candidates, labels, new Date(services.now())) };
    },
  };
}

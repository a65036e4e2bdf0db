import type { Logger } from 'probot';
import { stateOf } from '../gate/report.js';
import { commitStatuses } from '../github/commit-status.js';
import { loadPolicy } from '../github/policy-source.js';
import { reportDetailsUrl } from '../details/link.js';
import { commitGone, writeStatus, type StatusSink } from '../github/publish.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { environmentContext, findEnvironment, policyForEnvironment } from '../policy/environments.js';
import { describeReport } from '../render/describe.js';
import type { GateTarget, Prepared } from './gate-target.js';

/** A deployment just created for an environment. */
export interface DeploymentRequest {
  installationId: number;
  owner: string;
  repo: string;
  deploymentId: number;
  environment: string;
  sha: string;
}

const BASELINE_TTL_MS = 7 * 86_400_000;

export const deploymentKey = ({ owner, repo, deploymentId }: Pick<DeploymentRequest, 'owner' | 'repo' | 'deploymentId'>) =>
  `deploy:${owner}/${repo}:${deploymentId}`;

export function deploymentJob(request: DeploymentRequest) {
  return { id: deploymentKey(request), kind: 'deployment', data: { ...request } };
}

/**
 * `deployment.created` for a gated environment: the deployment's commit gets `slo-gate/<environment>`
 * (the deployment's own statuses belong to whoever deploys), and the burn at that moment is kept
 * as the deployment's baseline. Evaluated once; the environment's branch head is kept true apart.
 */
export function deploymentTarget(services: GateServices, octokit: Octokit, request: DeploymentRequest, log: Logger): GateTarget {
  const { now } = services;
  const { owner, repo, sha } = request;
  const slug = `${owner}/${repo}`;
  const sink: StatusSink = { statuses: commitStatuses(octokit, { owner, repo }), store: services.store, telemetry: services.telemetry, log };
  let context: string | undefined;
  return {
    kind: 'deployment',
    key: deploymentKey(request),
    where: { repo: slug, environment: request.environment, deployment: request.deploymentId, sha },
    recheck: deploymentJob(request),

    async prepare(): Promise<Prepared> {
      const loaded = await loadPolicy(octokit, { owner, repo });
      if (loaded.kind === 'none') return { kind: 'not-gated', why: 'no .github/slo-gate.yml' };
      if (loaded.kind === 'invalid') return { kind: 'invalid', problems: loaded.problems };
      const found = findEnvironment(loaded.policy, request.environment);
      if (!found) return { kind: 'not-gated', why: `the policy does not gate ${request.environment}` };
      context = environmentContext(loaded.policy, found);
      return { kind: 'ready', policy: policyForEnvironment(loaded.policy, found), candidates: [] };
    },

    async publish(report) {
      if (!context) return;
      try {
        const targetUrl = await reportDetailsUrl(services.details, { repo: slug, deployment: request.deploymentId }, report);
        await writeStatus(sink, slug, sha, { context, state: stateOf(report), description: describeReport(report), targetUrl });
      } catch (error) {
        if (commitGone(error)) return void log.warn({ repo: slug, sha, deployment: request.deploymentId }, 'deployment of a commit that no longer exists');
        throw error;
      }
      if (report.kind !== 'verdict') return;
      const { assessment } = report.verdict;
      const baseline = {
        at: new Date(now()).toISOString(),
        highestBurn: assessment.highestBurn ?? null,
        lowestBudgetLeft: assessment.lowestBudgetLeft ?? null,
      };
      await services.store.set(`baseline:${slug}:${request.deploymentId}`, JSON.stringify(baseline), BASELINE_TTL_MS);
    },

    async release() {},

    nextCheckMs: () => undefined,
  };
}

import type { Logger } from 'probot';
import { commitStatuses } from '../github/commit-status.js';
import { deploymentsGitHub } from '../github/deployments.js';
import { loadPolicy, type LoadedPolicy } from '../github/policy-source.js';
import { reportDetailsUrl } from '../details/link.js';
import { lastStatus, writeStatus, type StatusSink } from '../github/publish.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { environmentContext, findEnvironment, policyForEnvironment } from '../policy/environments.js';
import { stateOf } from '../gate/report.js';
import { describeReport } from '../render/describe.js';
import type { GateTarget } from './gate-target.js';
import type { TargetVersion } from './stale-guard.js';

export interface EnvironmentRef {
  installationId: number;
  owner: string;
  repo: string;
  /** The GitHub environment, as the policy names it (matched case-insensitively). */
  environment: string;
}

/** An environment's branch head to keep `slo-gate/<environment>` true on, for `required_contexts`. */
export interface EnvironmentRequest extends EnvironmentRef {
  version: TargetVersion;
  /** `event`: from a push; `recheck`: the branch head read from the API just now. */
  trigger: 'event' | 'recheck';
  /** The policy, when the caller has just read it (it is then not read again). */
  loaded?: LoadedPolicy;
}

const CONTEXT_TTL_MS = 90 * 86_400_000;
/**
 * A re-check dates the head it read this much before now: GitHub's clock and ours may differ a
 * little, and a push event dated just before our read must still be evaluated (again, harmlessly).
 */
export const CLOCK_SKEW_MS = 60_000;

const environmentKey = ({ owner, repo, environment }: Omit<EnvironmentRef, 'installationId'>) => `env:${owner}/${repo}:${environment.toLowerCase()}`;

/** The durable job that keeps an environment's status true: it evaluates the branch's newest head again. */
export function environmentRecheck({ installationId, owner, repo, environment }: EnvironmentRef) {
  return { id: environmentKey({ owner, repo, environment }), kind: 'environment', data: { installationId, owner, repo, environment } };
}

/**
 * The environment door: the newest head of the branch an environment deploys gets the commit status
 * `slo-gate/<environment>`, which a CD system lists in `required_contexts`, so GitHub refuses a
 * deployment while the budget is threatened. It is evaluated again every re-check interval whatever
 * its state: a `success` must not go stale during an incident that starts after it was written.
 */
export function environmentTarget(services: GateServices, octokit: Octokit, request: EnvironmentRequest, log: Logger): GateTarget {
  const { owner, repo, environment, version } = request;
  const slug = `${owner}/${repo}`;
  const key = environmentKey(request);
  const sink: StatusSink = { statuses: commitStatuses(octokit, { owner, repo }), store: services.store, telemetry: services.telemetry, log };
  let context: string | undefined;
  const lastContext = async () => context ?? (await services.store.get(`context:${key}`));
  return {
    kind: 'environment',
    key,
    version,
    where: { repo: slug, environment, sha: version.sha },
    recheck: environmentRecheck(request),

    async prepare() {
      const loaded = request.loaded ?? (await loadPolicy(octokit, { owner, repo }));
      if (loaded.kind === 'none') return { kind: 'not-gated', why: 'no .github/slo-gate.yml' };
      if (loaded.kind === 'invalid') return { kind: 'invalid', problems: loaded.problems };
      const found = findEnvironment(loaded.policy, environment);
      if (!found) return { kind: 'not-gated', why: `the policy does not list the environment ${environment}` };
      context = environmentContext(loaded.policy, found);
      await services.store.set(`context:${key}`, context, CONTEXT_TTL_MS);
      return { kind: 'ready', policy: policyForEnvironment(loaded.policy, found), candidates: [] };
    },

    async publish(report, _prepared, stillCurrent) {
      const status = await lastContext();
      if (!status || !(await stillCurrent())) return; // never gated before: nothing names this environment's context yet
      await writeStatus(
        sink,
        slug,
        version.sha,
        {
          context: status,
          state: stateOf(report),
          description: describeReport(report),
          targetUrl: await reportDetailsUrl(services.details, { repo: slug, sha: version.sha }, report),
        },
        {
          compareWithGitHub: request.trigger === 'recheck',
        },
      );
    },

    async release() {
      const status = await lastContext();
      const memo = status && (await lastStatus(services.store, slug, version.sha, status));
      if (!status || !memo || memo.state === 'success') return;
      await writeStatus(sink, slug, version.sha, { context: status, state: 'success', description: `Not gated: the policy no longer gates ${environment}` });
    },

    nextCheckMs(report) {
      // An unusable policy cannot heal by itself; the push that fixes it evaluates again.
      return report.kind === 'invalid-policy' ? undefined : services.recheckIntervalMs;
    },
  };
}

/** The newest head of the branch an environment deploys, read now; undefined when the environment or branch is gone. */
export async function currentEnvironmentHead(octokit: Octokit, ref: EnvironmentRef, now: number): Promise<EnvironmentRequest | 'not-gated'> {
  const { owner, repo } = ref;
  const loaded = await loadPolicy(octokit, { owner, repo });
  if (loaded.kind !== 'policy') return 'not-gated';
  const found = findEnvironment(loaded.policy, ref.environment);
  if (!found) return 'not-gated';
  const branch = found.config.branch ?? (await defaultBranch(octokit, ref));
  const head = await deploymentsGitHub(octokit, ref).branchHead(branch);
  if (!head) return 'not-gated';
  return { ...ref, version: { sha: head.sha, at: new Date(now - CLOCK_SKEW_MS).toISOString() }, trigger: 'recheck', loaded };
}

async function defaultBranch(octokit: Octokit, { owner, repo }: EnvironmentRef): Promise<string> {
  const { data } = await octokit.rest.repos.get({ owner, repo });
  return data.default_branch;
}

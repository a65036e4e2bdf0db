import { MAX_REVIEW_COMMENT } from '../render/deployment.js';
import { call, gitHubError } from './errors.js';
import type { Octokit } from './pull-request.js';

export { MAX_REVIEW_COMMENT };
/** GitHub keeps at most 10 progress reports (reviews without a state) per deployment. */
export const MAX_PROGRESS_REPORTS = 10;

export interface RepositoryRef {
  owner: string;
  repo: string;
}

export interface BranchHead {
  sha: string;
  /** The head commit's committer date: orders heads, and starts the lead time to production. */
  at: string;
}

export interface PullRequestOfCommit {
  number: number;
  state: string;
  mergedAt: string | null;
  baseRef: string;
}

/** Everything the deployment gate asks of GitHub, behind one small surface. */
export interface DeploymentsGitHub {
  /** Approves or rejects this app's protection rule for a workflow run's environment. */
  reviewProtectionRule(runId: number, environment: string, state: 'approved' | 'rejected', comment: string): Promise<void>;
  /** A progress report while the run waits: the same endpoint with a comment and no state (10 per deployment). */
  reportProgress(runId: number, environment: string, comment: string): Promise<void>;
  /** The pull requests that brought a commit (merged into its branch, or open with it as head); none for an unknown SHA. */
  pullsForCommit(sha: string): Promise<PullRequestOfCommit[]>;
  /** Comments on a pull request and returns the comment's id. */
  commentOnPull(number: number, body: string): Promise<number>;
  /** The newest commit of a branch, or undefined when the branch does not exist (any more). */
  branchHead(branch: string): Promise<BranchHead | undefined>;
}

export function deploymentsGitHub(octokit: Octokit, { owner, repo }: RepositoryRef): DeploymentsGitHub {
  return {
    async reviewProtectionRule(runId, environment, state, comment) {
      await call(`${state === 'approved' ? 'approving' : 'rejecting'} the deployment of run ${runId} to ${environment}`, () =>
        octokit.rest.actions.reviewCustomGatesForRun({ owner, repo, run_id: runId, environment_name: environment, state, comment: fitComment(comment) }),
      );
    },

    async reportProgress(runId, environment, comment) {
      await call(`reporting progress on run ${runId} to ${environment}`, () =>
        octokit.rest.actions.reviewCustomGatesForRun({ owner, repo, run_id: runId, environment_name: environment, comment: fitComment(comment) }),
      );
    },

    async pullsForCommit(sha) {
      try {
        const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha, per_page: 100 });
        return data.map((pr) => ({ number: pr.number, state: pr.state, mergedAt: pr.merged_at, baseRef: pr.base.ref }));
      } catch (error) {
        // 422 "No commit found for SHA": a commit that no longer exists brought no pull requests.
        if (statusOf(error) === 404 || statusOf(error) === 422) return [];
        throw gitHubError(`listing the pull requests of ${sha.slice(0, 7)}`, error);
      }
    },

    async commentOnPull(number, body) {
      const { data } = await call(`commenting on #${number}`, () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
      return data.id;
    },

    async branchHead(branch) {
      try {
        const { data } = await octokit.rest.repos.getBranch({ owner, repo, branch });
        return { sha: data.commit.sha, at: data.commit.commit.committer?.date ?? data.commit.commit.author?.date ?? '' };
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw gitHubError(`reading branch ${branch}`, error);
      }
    },
  };
}

export type CallbackUrl = { runId: number; repository: string; foreignHost: boolean } | { problem: string };

const CALLBACK_PATH = /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d{1,16})\/deployment_protection_rule\/?$/;

/**
 * Reads the run id from a protection-rule request's `deployment_callback_url`. The URL is only
 * ever parsed, never called: the decision goes to the operator's API base. `foreignHost` says the
 * URL points anywhere but that API base (another host, scheme, port or path prefix); the caller
 * logs it and still decides through the API base, and sends nothing to that host.
 */
export function parseCallbackUrl(url: unknown, apiBaseUrl: string): CallbackUrl {
  if (typeof url !== 'string' || url.length === 0) return { problem: 'the request has no deployment_callback_url' };
  if (url.length > 2048) return { problem: 'the deployment_callback_url is longer than 2048 characters' };
  let parsed: URL;
  let base: URL;
  try {
    parsed = new URL(url);
    base = new URL(apiBaseUrl);
  } catch {
    return { problem: `the deployment_callback_url is not a URL: "${url.slice(0, 100)}"` };
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  const foreignHost = parsed.origin !== base.origin || !parsed.pathname.startsWith(`${basePath}/`) || parsed.username !== '' || parsed.password !== '';
  const path = parsed.pathname.startsWith(`${basePath}/`) ? parsed.pathname.slice(basePath.length) : parsed.pathname;
  const match = CALLBACK_PATH.exec(path);
  const runId = match ? Number(match[3]) : NaN;
  if (!match || !Number.isSafeInteger(runId) || runId <= 0) {
    return { problem: `the deployment_callback_url names no workflow run: "${url.slice(0, 100)}"` };
  }
  return { runId, repository: `${decoded(match[1]!)}/${decoded(match[2]!)}`, foreignHost };
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A last guard: a too-long comment would make GitHub refuse the whole decision. */
function fitComment(comment: string): string {
  if (comment.length <= MAX_REVIEW_COMMENT) return comment;
  let out = '';
  for (const character of comment) {
    if (out.length + character.length > MAX_REVIEW_COMMENT - 1) break;
    out += character;
  }
  return `${out}…`;
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? status : undefined;
}

import nock from 'nock';
import { gitHub, REPO } from './github-nock.js';

/**
 * GitHub behind nock for the deployment doors: the routes of github-nock.ts (token, policy, status,
 * pull, labelEvents, permission) and those a deployment gate adds, each recording what the app sent.
 */

/** The workflow run of the protection-rule fixture (its `deployment_callback_url`). */
export const RUN_ID = 7311;
/** The commit of the `deployment` and `deployment_status` examples of @octokit/webhooks-examples. */
export const DEPLOYED_SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
/** The head of `master` after the `push` example. */
export const PUSHED_SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';

/** One `POST …/actions/runs/{run_id}/deployment_protection_rule`: a decision (state) or a progress report (none). */
export interface Review {
  runId: number;
  environment_name: string;
  state?: 'approved' | 'rejected';
  comment: string;
}

type Base = ReturnType<typeof gitHub>;
type Chained<T, R> = { [K in keyof T]: T[K] extends (...args: infer A) => unknown ? (...args: A) => R : T[K] };

export interface DeploymentGitHub extends Chained<Omit<Base, 'scope' | 'recorded'>, DeploymentGitHub> {
  scope: nock.Scope;
  recorded: Base['recorded'];
  /** Decisions, in the order GitHub received them. */
  decisions: Review[];
  /** Progress reports (reviews without a state). */
  progress: Review[];
  /** Comments created on pull requests by number. */
  pullComments: Array<{ number: number; body: string }>;
  /** Answers `times` reviews (decisions or progress reports) of a run. */
  review(runId?: number, times?: number): DeploymentGitHub;
  /** `GET /repos/{o}/{r}`: the repository, for its default branch. */
  repository(defaultBranch?: string): DeploymentGitHub;
  /** `GET /repos/{o}/{r}/branches/{branch}`: the branch's newest commit. */
  branch(name: string, sha: string): DeploymentGitHub;
  /** What GitHub shows as the newest status of `context` on `sha` (re-checks compare with it). */
  shownStatus(sha: string, statuses: Array<{ context: string; state: string; description: string }>): DeploymentGitHub;
  /** `GET /repos/{o}/{r}/git/commits/{sha}`: the commit, for the lead time. */
  commit(sha: string, committedAt?: string): DeploymentGitHub;
  /** `GET /repos/{o}/{r}/commits/{sha}/pulls`: the pull requests that brought a commit. */
  pullsOfCommit(sha: string, numbers: number[]): DeploymentGitHub;
  /** `POST /repos/{o}/{r}/issues/{number}/comments`. */
  commentOn(number: number): DeploymentGitHub;
}

export function deploymentGitHub(baseUrl = 'https://api.github.com'): DeploymentGitHub {
  const base = gitHub(baseUrl);
  const { scope } = base;
  const decisions: Review[] = [];
  const progress: Review[] = [];
  const pullComments: Array<{ number: number; body: string }> = [];
  const api = {
    scope,
    recorded: base.recorded,
    decisions,
    progress,
    pullComments,
    review(runId = RUN_ID, times = 1) {
      scope
        .post(`${REPO}/actions/runs/${runId}/deployment_protection_rule`, (body: Omit<Review, 'runId'>) => {
          (body.state ? decisions : progress).push({ runId, ...body });
          return true;
        })
        .times(times)
        .reply(204);
      return api;
    },
    repository(defaultBranch = 'master') {
      scope.get(REPO).reply(200, { id: 1, name: 'Hello-World', full_name: 'Codertocat/Hello-World', default_branch: defaultBranch });
      return api;
    },
    branch(name: string, sha: string) {
      scope.get(`${REPO}/branches/${name}`).reply(200, { name, commit: { sha, commit: { committer: { date: '2026-11-22T09:00:00Z' } } } });
      return api;
    },
    shownStatus(sha: string, statuses: Array<{ context: string; state: string; description: string }>) {
      scope.get(`${REPO}/commits/${sha}/status`).query({ per_page: 100 }).reply(200, { state: 'pending', sha, statuses });
      return api;
    },
    commit(sha: string, committedAt = '2026-11-22T09:00:00Z') {
      scope.get(`${REPO}/git/commits/${sha}`).reply(200, { sha, committer: { name: 'Codertocat', date: committedAt } });
      return api;
    },
    pullsOfCommit(sha: string, numbers: number[]) {
      scope
        .get(`${REPO}/commits/${sha}/pulls`)
        .query({ per_page: 100 })
        .reply(
          200,
          numbers.map((number) => ({ number, state: 'closed', merged_at: '2026-11-22T09:30:00Z', base: { ref: 'master' } })),
        );
      return api;
    },
    commentOn(number: number) {
      scope
        .post(`${REPO}/issues/${number}/comments`, (body: { body: string }) => {
          pullComments.push({ number, body: body.body });
          return true;
        })
        .reply(201, { id: 100 + number });
      return api;
    },
  } as unknown as DeploymentGitHub;
  for (const [name, value] of Object.entries(base)) {
    if (typeof value === 'function' && !(name in api)) {
      (api as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => ((value as (...a: unknown[]) => unknown)(...args), api);
    }
  }
  return api;
}

/**
 * Requests nock had no answer for, collected per test: with net connect disabled, none may reach
 * any host. Hosts the test lets through (`nock.enableNetConnect`, e.g. the test Prometheus on
 * loopback) are named in `allowed` and not collected.
 */
export function unansweredRequests(allowed?: RegExp): { list: string[]; stop(): void } {
  const list: string[] = [];
  const listener = (req: { method?: string; href?: string; host?: string; path?: string }) => {
    const where = req.href ?? `${req.host ?? ''}${req.path ?? ''}`;
    if (!allowed?.test(where)) list.push(`${req.method ?? '?'} ${where}`);
  };
  nock.emitter.on('no match', listener);
  return { list, stop: () => void nock.emitter.removeListener('no match', listener) };
}

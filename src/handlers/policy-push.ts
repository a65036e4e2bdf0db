import type { Context } from 'probot';
import { POLICY_PATH } from '../policy/parse-policy.js';
import { pullRequestRecheck } from '../targets/pull-request-target.js';
import { installationOf } from './pull-request.js';
import type { GateServices } from './services.js';

/** Spacing between the re-checks one policy change starts, so a busy repository is not gated in one burst. */
const SPREAD_MS = 2_000;

/** A push to the default branch that changes the policy re-evaluates every open pull request of the repository. */
export function onPolicyPush(services: GateServices) {
  return async (context: Context<'push'>): Promise<void> => {
    const { payload, log } = context;
    if (payload.ref !== `refs/heads/${payload.repository.default_branch}`) return;
    const touched = [...payload.commits, payload.head_commit].some(
      (c) => c && [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])].includes(POLICY_PATH),
    );
    const installationId = installationOf(payload);
    if (!touched || installationId === undefined) return;
    const { owner, repo } = context.repo();
    const open = await context.octokit.paginate(context.octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 });
    log.info({ repo: payload.repository.full_name, pullRequests: open.length }, 'policy changed: re-evaluating open pull requests');
    await Promise.all(
      open.map((pr, index) => {
        return services.store.jobs.schedule(pullRequestRecheck({ installationId, owner, repo, number: pr.number }), index * SPREAD_MS);
      }),
    );
  };
}

import type { Context } from 'probot';
import { loadPolicy } from '../github/policy-source.js';
import { peekPolicy } from '../org/policy-cache.js';
import { policyPushed } from '../org/policy-pushed.js';
import { gatedEnvironmentsForBranch } from '../policy/environments.js';
import { POLICY_PATH } from '../policy/parse-policy.js';
import { sourceFilesOf } from '../policy/slo-sources/resolve.js';
import { durably } from '../targets/durable.js';
import { environmentRecheck, environmentTarget } from '../targets/environment-target.js';
import { runGate } from '../targets/gate-target.js';
import { pullRequestRecheck } from '../targets/pull-request-target.js';
import { eventOctokit, installationOf } from './pull-request.js';
import type { GateServices } from './services.js';

/** Spacing between the re-checks one policy change starts, so a busy repository is not gated in one burst. */
const SPREAD_MS = 2_000;
/** How long the branches a repository's environments deploy are remembered, so pushes elsewhere read no policy. */
const BRANCHES_TTL_MS = 86_400_000;
const DELETED = /^0{40}$/;

/**
 * A push to a branch an environment deploys evaluates that environment's status on the new head.
 * A push to the default branch that changes the policy re-evaluates every open pull request and
 * every gated environment of the repository.
 */
export function onPush(services: GateServices) {
  return async (context: Context<'push'>): Promise<void> => {
    const { payload, log } = context;
    const installationId = installationOf(payload);
    if (installationId === undefined || !payload.ref.startsWith('refs/heads/') || DELETED.test(payload.after)) return;
    const branch = payload.ref.slice('refs/heads/'.length);
    const defaultBranch = payload.repository.default_branch;
    const slug = payload.repository.full_name;
    const [owner = '', repo = ''] = slug.split('/');
    const touched = new Set(
      [...payload.commits, payload.head_commit].flatMap((c) => (c ? [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])] : [])),
    );
    // The policy, or a Sloth or OpenSLO file its SLOs read their objective and SLI from (as last cached).
    const policyChanged =
      branch === defaultBranch && (touched.has(POLICY_PATH) || (await readsFrom(services, { owner, repo })).some((file) => touched.has(file)));
    const known = JSON.parse((await services.store.get(`env-branches:${slug}`)) ?? 'null') as string[] | null;
    // A push to a branch no environment deploys (as the policy said when last read) costs nothing.
    if (!policyChanged && known !== null && !known.includes(branch)) return;

    if (policyChanged) await policyPushed(services, installationId, { owner, repo }, log);
    const octokit = await eventOctokit(services, context, installationId);
    const loaded = await loadPolicy(octokit, { owner, repo });
    const environments = loaded.kind === 'policy' ? Object.entries(loaded.policy.environments).map(([, config]) => config.branch ?? defaultBranch) : [];
    await services.store.set(`env-branches:${slug}`, JSON.stringify([...new Set(environments)]), BRANCHES_TTL_MS);

    if (policyChanged) {
      const open = await octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 });
      log.info({ repo: slug, pullRequests: open.length }, 'policy changed: re-evaluating open pull requests and environments');
      await Promise.all(
        open.map((pr, index) => services.store.jobs.schedule(pullRequestRecheck({ installationId, owner, repo, number: pr.number }), index * SPREAD_MS)),
      );
    }
    if (loaded.kind !== 'policy') return;
    const deployedHere = gatedEnvironmentsForBranch(loaded.policy, branch, defaultBranch);
    if (policyChanged) {
      // Environments deploying other branches: their heads did not move, but what gates them did.
      const elsewhere = Object.keys(loaded.policy.environments).filter((name) => !deployedHere.some((e) => e.name === name));
      await Promise.all(
        elsewhere.map((environment, index) =>
          services.store.jobs.schedule(environmentRecheck({ installationId, owner, repo, environment }), index * SPREAD_MS),
        ),
      );
    }
    const pushedAt = pushTime(payload.repository.pushed_at) ?? new Date(services.now()).toISOString();
    for (const { name } of deployedHere) {
      const request = { installationId, owner, repo, environment: name, version: { sha: payload.after, at: pushedAt }, trigger: 'event' as const, loaded };
      await durably(services, environmentRecheck(request), () => runGate(services, environmentTarget(services, octokit, request, log), log));
    }
  };
}

/** The Sloth and OpenSLO files the repository's cached policy was made from; none when nothing is cached. */
async function readsFrom(services: GateServices, name: { owner: string; repo: string }): Promise<string[]> {
  const cached = await peekPolicy(services.store, name);
  return cached?.kind === 'policy' ? sourceFilesOf(cached.policy) : [];
}

/** A push payload's `repository.pushed_at` is epoch seconds (other events carry an RFC 3339 string). */
function pushTime(value: unknown): string | undefined {
  const ms = typeof value === 'number' ? value * 1000 : typeof value === 'string' ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

import type { Logger } from 'probot';
import type { GateServices } from '../handlers/services.js';
import { pullRequestRecheck } from '../targets/pull-request-target.js';
import { invalidatePolicy, type RepoName } from './policy-cache.js';
import { readIndex } from './pr-index.js';

/** Spacing between the re-checks one policy change starts in the repositories that inherit it. */
const SPREAD_MS = 1_000;

/**
 * A push to a default branch changed `.github/slo-gate.yml`: the cached policies that read it are
 * dropped, and the open pull requests of the other repositories that read it (through the
 * organisation's `.github` default, or `_extends`) are re-evaluated, from the index. The pushed
 * repository's own pull requests are the push handler's to re-evaluate.
 */
export async function policyPushed(services: GateServices, installationId: number, pushed: RepoName, log: Logger): Promise<void> {
  const dependents = await invalidatePolicy(services.store, pushed, services.random);
  let scheduled = 0;
  for (const { owner, repo } of dependents) {
    const index = await readIndex(services.store, `${owner}/${repo}`);
    if (!index || index.installationId !== installationId) continue;
    for (const number of Object.keys(index.prs)) {
      await services.store.jobs.schedule(pullRequestRecheck({ installationId, owner, repo, number: Number(number) }), scheduled++ * SPREAD_MS);
    }
  }
  if (dependents.length > 0) {
    log.info(
      { repo: `${pushed.owner}/${pushed.repo}`, dependents: dependents.length, pullRequests: scheduled },
      'policy changed: re-evaluating the repositories that inherit it',
    );
  }
}

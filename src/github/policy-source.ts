import merge from 'deepmerge';
import type { ProbotOctokit } from 'probot';
import type { PolicyProblem } from '../errors.js';
import { PolicyError } from '../errors.js';
import { POLICY_PATH, problemsFromLoaderError, validatePolicy } from '../policy/parse-policy.js';
import type { Policy } from '../policy/schema.js';
import { gitHubError } from './errors.js';

export type LoadedPolicy = { kind: 'none' } | { kind: 'policy'; policy: Policy } | { kind: 'invalid'; problems: PolicyProblem[] };

/**
 * Reads the policy with Probot's config loader, as `context.config` does: from the repository's
 * default branch (never the pull request's head, so a pull request cannot loosen its own gate),
 * falling back to the organisation's `.github` repository, following `_extends`. Unlike
 * `context.config`, a list in a repository's file replaces the inherited list instead of being
 * appended to it. Takes an Octokit rather than a webhook context, so re-checks can use it too.
 */
export async function loadPolicy(octokit: ProbotOctokit, repo: { owner: string; repo: string }): Promise<LoadedPolicy> {
  let result: { config: unknown; files: Array<{ config: unknown }> };
  try {
    result = await octokit.config.get({
      ...repo,
      path: POLICY_PATH,
      defaults: (configs) => merge.all<Record<string, unknown>>([{}, ...(configs as object[])], { arrayMerge: (_inherited, own: unknown[]) => own }),
    });
  } catch (error) {
    if (isParseFailure(error)) return { kind: 'invalid', problems: problemsFromLoaderError(error) };
    throw gitHubError(`reading ${POLICY_PATH}`, error);
  }
  if (!result.files.some((file) => file.config !== null)) return { kind: 'none' };
  try {
    return { kind: 'policy', policy: validatePolicy(result.config) };
  } catch (error) {
    if (error instanceof PolicyError) return { kind: 'invalid', problems: error.problems };
    throw error;
  }
}

/** The loader's own complaints about the file (YAML syntax, not a mapping, _extends loops), as opposed to I/O failures. */
function isParseFailure(error: unknown): boolean {
  return typeof (error as { status?: unknown }).status !== 'number' && /octokit-plugin-config/.test(String((error as Error).message));
}

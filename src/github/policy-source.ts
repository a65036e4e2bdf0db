import type { Context } from 'probot';
import type { PolicyProblem } from '../errors.js';
import { PolicyError } from '../errors.js';
import { problemsFromLoaderError, validatePolicy } from '../policy/parse-policy.js';
import type { Policy } from '../policy/schema.js';
import { gitHubError } from './errors.js';

export type LoadedPolicy = { kind: 'none' } | { kind: 'policy'; policy: Policy } | { kind: 'invalid'; problems: PolicyProblem[] };

/** File name under `.github/`, as Probot's config loader wants it. */
const CONFIG_FILE = 'slo-gate.yml';

/**
 * Reads the policy through Probot's config loader: from the repository's default branch
 * (never the pull request's head, so a pull request cannot loosen its own gate), falling
 * back to the organisation's `.github` repository, following `_extends`. A list in a
 * repository's file replaces the inherited list instead of being appended to it.
 */
export async function loadPolicy(context: Pick<Context, 'config'>): Promise<LoadedPolicy> {
  let raw: unknown;
  try {
    raw = await context.config(CONFIG_FILE, undefined, { arrayMerge: (_inherited: unknown[], own: unknown[]) => own });
  } catch (error) {
    if (isParseFailure(error)) return { kind: 'invalid', problems: problemsFromLoaderError(error) };
    throw gitHubError(`reading .github/${CONFIG_FILE}`, error);
  }
  if (raw === null) return { kind: 'none' };
  try {
    return { kind: 'policy', policy: validatePolicy(raw) };
  } catch (error) {
    if (error instanceof PolicyError) return { kind: 'invalid', problems: error.problems };
    throw error;
  }
}

/** The loader's own complaints about the file (YAML syntax, not a mapping, _extends loops), as opposed to I/O failures. */
function isParseFailure(error: unknown): boolean {
  return typeof (error as { status?: unknown }).status !== 'number' && /octokit-plugin-config/.test(String((error as Error).message));
}

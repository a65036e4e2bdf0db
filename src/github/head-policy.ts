import type { PolicyProblem } from '../errors.js';
import { GitHubError } from '../errors.js';
import { MAX_POLICY_BYTES, tooLarge } from '../policy/bounded-yaml.js';
import { POLICY_PATH, isPlainObject } from '../policy/parse-policy.js';
import { gitHubError } from './errors.js';
import type { Octokit } from './pull-request.js';

/** The policy file at a pull request's head: its text, its absence (the pull request deletes it), or why it cannot be used. */
export type HeadPolicyRead = { kind: 'absent' } | { kind: 'text'; text: string } | { kind: 'refused'; problem: PolicyProblem };

/**
 * Reads `.github/slo-gate.yml` at one commit (the pull request's head), with the bounds the
 * default branch's policy is read with (policy-source.ts): its size is known before its content is
 * decoded, and nothing over MAX_POLICY_BYTES is decoded. Only for the policy preview: the gate
 * itself never reads the policy from a pull request. Throws a GitHubError unless GitHub answers
 * the file or 404.
 */
export async function readHeadPolicy(octokit: Octokit, where: { owner: string; repo: string }, sha: string): Promise<HeadPolicyRead> {
  return readHeadFile(octokit, where, POLICY_PATH, sha);
}

/** Any file at one commit, with the policy's bounds: the policy itself, or a Sloth or OpenSLO file it references. */
export async function readHeadFile(octokit: Octokit, where: { owner: string; repo: string }, path: string, sha: string): Promise<HeadPolicyRead> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner: where.owner, repo: where.repo, path, ref: sha }));
  } catch (error) {
    if ((error as { status?: unknown } | null)?.status === 404) return { kind: 'absent' };
    throw gitHubError(`reading ${path} at ${sha.slice(0, 7)}`, error);
  }
  if (!isPlainObject(data) || data.type !== 'file') return { kind: 'refused', problem: { path: '', message: `${path} is not a file` } };
  const { size, encoding, content } = data;
  if (typeof size !== 'number' || size > MAX_POLICY_BYTES) return { kind: 'refused', problem: tooLarge().problem };
  if (encoding !== 'base64' || typeof content !== 'string') {
    throw new GitHubError(`GitHub: reading ${path} at ${sha.slice(0, 7)} failed: an unexpected answer (not a base64 file)`, undefined);
  }
  // Longer than the base64 of MAX_POLICY_BYTES with GitHub's line breaks: not decoded at all.
  if (content.length > (Math.ceil(MAX_POLICY_BYTES / 3) * 4 * 61) / 60 + 2) return { kind: 'refused', problem: tooLarge().problem };
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length > MAX_POLICY_BYTES) return { kind: 'refused', problem: tooLarge().problem };
  return { kind: 'text', text: bytes.toString('utf8') };
}

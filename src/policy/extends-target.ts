import { POLICY_PATH } from './parse-policy.js';

export interface RepoRef {
  owner: string;
  repo: string;
}

/** GitHub's rules for a login (as Probot's config plugin checks them) and for a repository name. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export type ExtendsTarget = { ok: true; target: RepoRef } | { ok: false; reason: 'not-a-repository' | 'other-path' };

/**
 * Reads an `_extends` value: `repo` (an owner's repository, `owner` being the gated repository's
 * owner, as Probot reads it) or `owner/repo`, optionally followed by `:.github/slo-gate.yml`. Any
 * other path is refused: `_extends` must not become a way to read, and then quote, an arbitrary
 * file the installation can see.
 */
export function parseExtends(value: unknown, defaultOwner: string): ExtendsTarget {
  if (typeof value !== 'string' || value.length > 200) return { ok: false, reason: 'not-a-repository' };
  const colon = value.indexOf(':');
  const ref = colon === -1 ? value : value.slice(0, colon);
  const parts = ref.split('/');
  const [owner, repo] = parts.length === 2 ? parts : [defaultOwner, parts[0]];
  if (parts.length > 2 || !owner || !repo || !OWNER.test(owner) || !REPO.test(repo) || repo === '.' || repo === '..') {
    return { ok: false, reason: 'not-a-repository' };
  }
  if (colon !== -1 && value.slice(colon + 1) !== POLICY_PATH) return { ok: false, reason: 'other-path' };
  return { ok: true, target: { owner, repo } };
}

/** `owner/repo:.github/slo-gate.yml`, the name problems give a policy file. */
export function policyFileName(where: RepoRef): string {
  return `${where.owner}/${where.repo}:${POLICY_PATH}`;
}

/** GitHub compares owner and repository names without regard to case. */
export function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return a.owner.toLowerCase() === b.owner.toLowerCase() && a.repo.toLowerCase() === b.repo.toLowerCase();
}

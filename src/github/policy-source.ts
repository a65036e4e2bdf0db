import type { ProbotOctokit } from 'probot';
import type { PolicyProblem } from '../errors.js';
import { GitHubError } from '../errors.js';
import { MAX_POLICY_BYTES, parseBoundedYaml, tooLarge } from '../policy/bounded-yaml.js';
import { composePolicy, inheritedProblem, type PolicyFile } from '../policy/compose-policy.js';
import { parseExtends, policyFileName, sameRepo, type RepoRef } from '../policy/extends-target.js';
import { POLICY_PATH, isPlainObject } from '../policy/parse-policy.js';
import type { Policy } from '../policy/schema.js';
import { gitHubError } from './errors.js';
import { readSloSources } from './slo-source-files.js';

/**
 * `none`: the repository has no policy, definitely (see loadPolicy). A policy that could not be
 * read at all is never `none`: loadPolicy throws a GitHubError, which gates as `error`.
 */
export type LoadedPolicy = { kind: 'none' } | { kind: 'policy'; policy: Policy } | { kind: 'invalid'; problems: PolicyProblem[] };

/** Files one policy may be made of: the repository's own (or the organisation default) and two it extends. */
export const MAX_POLICY_FILES = 3;

/** The repository the organisation default lives in, as in Probot's `context.config`. */
const ORG_REPO = '.github';

/** A policy file read from a default branch, or its definite absence (a 404 for the file). */
export type FileRead = { kind: 'absent' } | { kind: 'text'; text: string } | { kind: 'refused'; problem: PolicyProblem; summary: string };

/**
 * Reads a repository's policy from its default branch (never the pull request's head, so a pull
 * request cannot loosen its own gate): its own `.github/slo-gate.yml`, else the organisation
 * default in `<owner>/.github`, following `_extends` to at most MAX_POLICY_FILES files in all.
 * Every file is bounded (size, aliases, values, depth) before it is parsed or merged, and files
 * other than the repository's own are never quoted in problems.
 *
 * `none` only on definite absence: a 404 for the repository's own file and for the organisation
 * default, where either `<owner>/.github` is readable or it answers 404 too. GitHub answers 404
 * alike for a `.github` repository that does not exist and for a private one the App was never
 * (or is no longer) installed on, so those two cannot be told apart. Anything else (403, 5xx, a
 * timeout) throws a GitHubError. A missing `_extends` target is an invalid policy naming it.
 * The common case, a repository with its own policy and no `_extends`, costs one request.
 * `consulted` hears of every repository whose policy file was asked for, so a cache of the result
 * knows which repositories' pushes must invalidate it.
 */
export async function loadPolicy(octokit: ProbotOctokit, { owner, repo }: RepoRef, consulted?: (where: RepoRef) => void): Promise<LoadedPolicy> {
  const own = { owner, repo };
  consulted?.(own);
  const ownRead = await readPolicyFile(octokit, own);
  if (ownRead.kind !== 'absent') return followChain(octokit, own, ownRead, true, consulted);
  if (repo.toLowerCase() === ORG_REPO) return { kind: 'none' };
  const org = { owner, repo: ORG_REPO };
  consulted?.(org);
  const orgRead = await readPolicyFile(octokit, org);
  if (orgRead.kind !== 'absent') return followChain(octokit, org, orgRead, false, consulted);
  await confirmAbsent(octokit, org);
  return { kind: 'none' };
}

async function followChain(
  octokit: ProbotOctokit,
  start: RepoRef,
  startRead: Exclude<FileRead, { kind: 'absent' }>,
  startIsOwn: boolean,
  consulted?: (where: RepoRef) => void,
): Promise<LoadedPolicy> {
  const chain: RepoRef[] = [start];
  const files: PolicyFile[] = [];
  let read = startRead;
  for (;;) {
    const where = chain[chain.length - 1]!;
    const own = startIsOwn && files.length === 0;
    const label = own ? policyFileName(where) : `${policyFileName(where)} (inherited)`;
    const parsed = parseFile(read, label, own);
    if (!parsed.ok) return invalid(parsed.problem);
    const { file, extendsValue } = parsed;
    files.push(file);
    if (extendsValue === undefined) break;
    const problem = (message: string, inherited: string): PolicyProblem =>
      file.own ? { path: '_extends', message, line: file.locate(['_extends']) } : inheritedProblem(file.label, inherited);
    const parsedTarget = parseExtends(extendsValue, start.owner);
    if (!parsedTarget.ok) {
      return parsedTarget.reason === 'other-path'
        ? invalid(
            problem(
              `may name only a repository (\`repo\` or \`owner/repo\`), whose ${POLICY_PATH} is read; no other file is followed`,
              `its _extends names a file other than ${POLICY_PATH}, which is not followed`,
            ),
          )
        : invalid(problem('must be a repository, `repo` or `owner/repo`', 'its _extends is not a repository (`repo` or `owner/repo`)'));
    }
    const { target } = parsedTarget;
    const names = [...chain, target].map((r) => `${r.owner}/${r.repo}`).join(' → ');
    if (chain.some((seen) => sameRepo(seen, target))) return invalid(problem(`loops: ${names}`, `its _extends loops: ${names}`));
    if (chain.length >= MAX_POLICY_FILES) {
      const message = `makes a chain of more than ${MAX_POLICY_FILES} policy files (${names}); extend a policy that extends at most one other`;
      return invalid(problem(message, `its _extends ${message}`));
    }
    consulted?.(target);
    const next = await readPolicyFile(octokit, target);
    if (next.kind === 'absent') {
      const missing = `\`${target.owner}/${target.repo}\`, which has no ${POLICY_PATH} on its default branch, or which the App cannot read (install it there)`;
      return invalid(problem(`names ${missing}`, `it extends ${missing}`));
    }
    chain.push(target);
    read = next;
  }
  return composePolicy(files, await readSloSources((where, path) => readPolicyFile(octokit, where, path), chain, files));
}

const invalid = (problem: PolicyProblem): LoadedPolicy => ({ kind: 'invalid', problems: [problem] });

/** One file's data, bounded, with its `_extends` taken out; or the problem, quoting only the repository's own file. */
function parseFile(
  read: Exclude<FileRead, { kind: 'absent' }>,
  label: string,
  own: boolean,
): { ok: true; file: PolicyFile; extendsValue: unknown } | { ok: false; problem: PolicyProblem } {
  const refuse = (problem: PolicyProblem, summary: string) => ({ ok: false as const, problem: own ? problem : inheritedProblem(label, summary) });
  if (read.kind === 'refused') return refuse(read.problem, read.summary);
  const parsed = parseBoundedYaml(read.text);
  if (!parsed.ok) return refuse(parsed.problem, parsed.summary);
  // An empty file is an empty mapping, as in Probot's loader; the merged policy then says what is missing.
  const value = parsed.value ?? {};
  if (!isPlainObject(value)) return refuse({ path: '', message: 'the policy must be a YAML mapping of keys (mode, slos, ...)' }, 'it is not a YAML mapping');
  const { _extends: extendsValue, ...data } = value;
  return { ok: true, file: { label, own, data, locate: parsed.locate }, extendsValue };
}

/**
 * Reads `.github/slo-gate.yml` (or another `path`: a Sloth or OpenSLO file an SLO references)
 * from a repository's default branch as JSON, so its size is known before its content is decoded
 * (the raw media type would download any size). 404: absent. Any other failure throws a
 * GitHubError: it must never read as "no policy".
 */
export async function readPolicyFile(octokit: ProbotOctokit, where: RepoRef, path = POLICY_PATH): Promise<FileRead> {
  let data: unknown;
  try {
    ({ data } = await octokit.rest.repos.getContent({ owner: where.owner, repo: where.repo, path }));
  } catch (error) {
    if (statusOf(error) === 404) return { kind: 'absent' };
    throw gitHubError(`reading ${where.owner}/${where.repo}:${path}`, error);
  }
  if (!isPlainObject(data) || data.type !== 'file') {
    return { kind: 'refused', problem: { path: '', message: `${path} is not a file` }, summary: 'it is not a file' };
  }
  const { size, encoding, content } = data;
  if (typeof size !== 'number' || size > MAX_POLICY_BYTES) return { kind: 'refused', ...tooLarge() };
  if (encoding !== 'base64' || typeof content !== 'string') {
    throw new GitHubError(`GitHub: reading ${where.owner}/${where.repo}:${path} failed: an unexpected answer (not a base64 file of ${size} bytes)`, undefined);
  }
  // Longer than the base64 of MAX_POLICY_BYTES, with the newline GitHub puts after every 60 characters: not decoded at all.
  if (content.length > (Math.ceil(MAX_POLICY_BYTES / 3) * 4 * 61) / 60 + 2) return { kind: 'refused', ...tooLarge() };
  const bytes = Buffer.from(content, 'base64');
  if (bytes.length > MAX_POLICY_BYTES) return { kind: 'refused', ...tooLarge() };
  return { kind: 'text', text: bytes.toString('utf8') };
}

/**
 * The organisation default's file answered 404. That is absence only if the `.github`
 * repository itself is readable, or answers 404 too (there is none, or the App cannot see it).
 */
async function confirmAbsent(octokit: ProbotOctokit, org: RepoRef): Promise<void> {
  try {
    await octokit.rest.repos.get({ owner: org.owner, repo: org.repo });
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw gitHubError(`reading ${org.owner}/${org.repo} (to tell whether it holds the organisation's default policy)`, error);
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

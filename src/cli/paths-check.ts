import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { PolicyError, type PolicyProblem } from '../errors.js';
import { parseBoundedYaml } from '../policy/bounded-yaml.js';
import { formatPath } from '../policy/parse-policy.js';
import { globMatcher, MatchBudgetSpent, type MatchBudget } from '../policy/paths.js';
import type { Policy } from '../policy/schema.js';
import type { CliIo } from './shared.js';

const run = promisify(execFile);

/** Files of the checkout considered: a bigger repository is checked against its first ones, and says so. */
export const MAX_CHECKOUT_FILES = 200_000;
/** Matching steps for the whole check (see paths.ts): a few seconds at most. */
const MAX_STEPS = 20_000_000;

/**
 * `slo-gate validate`: every `slos[].paths` glob must match at least one file of the checkout the
 * policy file is in (tracked or untracked but not ignored, as `git ls-files` lists them), or the
 * policy is refused with the glob's key path and line. The app cannot do this cheaply (it would
 * list the repository's tree for every policy it reads), so only the command line does. Outside
 * a git checkout, or without git, the globs are not checked and a note says so.
 */
export async function checkGlobsAgainstCheckout(policy: Policy, text: string, file: string, io: Pick<CliIo, 'err'>): Promise<void> {
  const globs = policy.slos.flatMap((slo, s) => (slo.paths ?? []).map((glob, g) => ({ glob, keys: ['slos', s, 'paths', g] as PropertyKey[] })));
  if (globs.length === 0) return;
  const listed = await checkoutFiles(dirname(file));
  if (!listed.ok) {
    io.err(`note: slos[].paths not checked against files: ${listed.why}`);
    return;
  }
  const budget: MatchBudget = { left: MAX_STEPS };
  const parsed = parseBoundedYaml(text);
  const problems: PolicyProblem[] = [];
  try {
    for (const { glob, keys } of globs) {
      const matches = globMatcher(glob, budget);
      if (!listed.files.some((path) => matches(path))) {
        const line = parsed.ok ? parsed.locate(keys) : undefined;
        const message = `matches no file in this checkout (git ls-files${listed.truncated ? `, first ${MAX_CHECKOUT_FILES.toLocaleString('en')} files` : ''}): check the spelling, or remove it`;
        problems.push(line === undefined ? { path: formatPath(keys), message } : { path: formatPath(keys), message, line });
      }
    }
  } catch (error) {
    if (!(error instanceof MatchBudgetSpent)) throw error;
    io.err('note: slos[].paths were checked against files only in part: matching took too long');
  }
  if (problems.length > 0) throw new PolicyError(problems);
}

type Listed = { ok: true; files: string[]; truncated: boolean } | { ok: false; why: string };

/** The checkout's files, relative to its root (as a pull request's changed files are named). */
async function checkoutFiles(directory: string): Promise<Listed> {
  try {
    const { stdout: top } = await run('git', ['-C', directory, 'rev-parse', '--show-toplevel'], { timeout: 10_000 });
    const { stdout } = await run('git', ['-C', top.trim(), 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      timeout: 30_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    const files = [...new Set(stdout.split('\0').filter(Boolean))];
    return { ok: true, files: files.slice(0, MAX_CHECKOUT_FILES), truncated: files.length > MAX_CHECKOUT_FILES };
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'git is not installed' : `${directory} is not in a git checkout`;
    return { ok: false, why: reason };
  }
}

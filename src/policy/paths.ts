import picomatch from 'picomatch';
import { z } from 'zod';

/** Bounds of `slos[].paths`: every glob is compiled to a regular expression and tried on every changed file. */
export const MAX_GLOBS = 50;
export const MAX_GLOB_LENGTH = 200;
/**
 * Stars in one path segment. A `*` becomes a lazy `[^/]*?`, and a segment with many of them
 * (`*a*a*a*…`) backtracks for minutes on a long file name, which a pull request can choose: one
 * such match would stall every installation the app serves. So a glob is matched one path segment
 * at a time (each a small regular expression of at most two stars, on at most 255 characters), and
 * `**` by a memoised walk over the segments, never by one regular expression over the whole path.
 */
export const MAX_STARS_PER_SEGMENT = 2;
/** A changed file with a longer path is taken to match every glob (fail closed) rather than matched. */
export const MAX_MATCHED_PATH_LENGTH = 1024;
/**
 * Steps of matching (a glob segment tried on a path segment) for one pull request, all SLOs
 * together: about a second at worst. Past it the SLOs not yet decided apply (fail closed).
 */
export const MAX_MATCH_STEPS = 2_000_000;

/** Counts matching steps down; matching throws MatchBudgetSpent once none are left. */
export interface MatchBudget {
  left: number;
}
export class MatchBudgetSpent extends Error {}

/** The same options everywhere a segment is checked or matched; `dot`: `services/**` covers `services/.env` too. */
const GLOB_OPTIONS = { dot: true, strictBrackets: true } as const;

/** Why a glob cannot be used, or undefined when it can. */
export function globProblem(glob: string): string | undefined {
  if (glob === '') return undefined; // the schema says it must not be empty
  if (glob.startsWith('/') || glob.startsWith('./')) return 'is relative to the repository root: write `services/api/**`, not `/services/api/**`';
  if (glob.startsWith('!')) return 'is a negation, which is not supported: list the paths that should gate instead';
  if (/[*+?@!]\(/.test(glob)) return 'uses an extglob such as `+(a|b)`, which is not supported: write `{a,b}` instead';
  if (/\{[^}]*\/[^}]*\}/.test(glob)) return 'has a `/` inside `{…}`: list each path as its own glob instead';
  const segments = glob.split('/');
  if (segments.some((segment) => segment === '')) return 'has an empty path segment (`//` or a trailing `/`): write `dir/**` for everything under a directory';
  const crowded = segments.find((segment) => segment !== '**' && (segment.match(/\*/g) ?? []).length > MAX_STARS_PER_SEGMENT);
  if (crowded !== undefined) return `has more than ${MAX_STARS_PER_SEGMENT} \`*\` in the path segment "${crowded.slice(0, 40)}"`;
  for (const segment of segments) {
    try {
      picomatch.makeRe(segment, GLOB_OPTIONS);
    } catch (error) {
      return `is not a valid glob: ${(error as Error).message}`;
    }
  }
  return undefined;
}

const GLOBSTAR = Symbol('**');

/**
 * A matcher for one (valid) glob: `**` stands for any number of whole path segments, every other
 * segment is matched by picomatch against one segment of the path. Memoised on (glob segment,
 * path segment), so its cost is at most their product, whatever the glob.
 */
export function globMatcher(glob: string, budget: MatchBudget = { left: Infinity }): (path: string) => boolean {
  const parts = glob.split('/').map((segment) => (segment === '**' ? GLOBSTAR : picomatch.makeRe(segment, GLOB_OPTIONS)));
  return (path) => {
    const names = path.split('/');
    const memo = new Map<number, boolean>();
    const from = (i: number, j: number): boolean => {
      const key = i * (names.length + 1) + j;
      const known = memo.get(key);
      if (known !== undefined) return known;
      if (--budget.left < 0) throw new MatchBudgetSpent();
      const part = parts[i];
      let result: boolean;
      if (part === undefined) result = j === names.length;
      else if (part === GLOBSTAR) result = from(i + 1, j) || (j < names.length && from(i, j + 1));
      else result = j < names.length && part.test(names[j]!) && from(i + 1, j + 1);
      memo.set(key, result);
      return result;
    };
    return from(0, 0);
  };
}

const glob = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(MAX_GLOB_LENGTH, { error: `must be at most ${MAX_GLOB_LENGTH} characters` })
  .superRefine((text, ctx) => {
    const problem = globProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** `slos[].paths`: the SLO gates only pull requests that change a file matching one of these globs. */
export const pathsSchema = z
  .array(glob)
  .min(1, { error: 'must list at least one glob; leave `paths` out for an SLO that applies to every change' })
  .max(MAX_GLOBS, { error: `must list at most ${MAX_GLOBS} globs` });

/** A pull request's changed files, or why they are not known (then every SLO applies: fail closed). */
export type ChangedFiles = { kind: 'listed'; files: readonly string[] } | { kind: 'unknown'; why: 'too-many' | 'unreadable'; detail: string };

/** Why one SLO gates the pull request or not. */
export type SloApplies =
  | { slo: string; applies: true; because: 'no-paths' }
  | { slo: string; applies: true; because: 'matched'; file: string; glob: string }
  | { slo: string; applies: true; because: 'files-unknown' }
  /** Matching took too long (hostile globs or file names): the SLO applies. */
  | { slo: string; applies: true; because: 'too-costly' }
  | { slo: string; applies: false; because: 'no-match'; files: number };

/** Which SLOs gate one pull request, and why each does or does not. Plain data: it travels with the pull request to `decide()`. */
export interface Scope {
  slos: SloApplies[];
  /** The names of the SLOs that apply, in the policy's order. */
  applicable: string[];
  /** Set when the changed files are not known, so every SLO applies. */
  failedClosed?: Extract<ChangedFiles, { kind: 'unknown' }>;
}

/** Whether any SLO is limited to paths: only then are a pull request's changed files needed to gate it. */
export function usesPaths(slos: ReadonlyArray<{ paths?: readonly string[] }>): boolean {
  return slos.some((slo) => slo.paths !== undefined);
}

/**
 * Picks the SLOs that gate a pull request: those without `paths`, and those with a glob that
 * matches one of its changed files (a renamed file counts under its old and its new name). When
 * the files are not known every SLO applies. Pure.
 */
export function selectSlos(slos: ReadonlyArray<{ name: string; paths?: readonly string[] }>, changed: ChangedFiles): Scope {
  const budget: MatchBudget = { left: MAX_MATCH_STEPS };
  const decided = slos.map((slo): SloApplies => {
    if (slo.paths === undefined) return { slo: slo.name, applies: true, because: 'no-paths' };
    if (changed.kind === 'unknown') return { slo: slo.name, applies: true, because: 'files-unknown' };
    let match: { file: string; glob: string } | undefined;
    try {
      match = firstMatch(slo.paths, changed.files, budget);
    } catch (error) {
      if (!(error instanceof MatchBudgetSpent)) throw error;
      return { slo: slo.name, applies: true, because: 'too-costly' };
    }
    return match
      ? { slo: slo.name, applies: true, because: 'matched', ...match }
      : { slo: slo.name, applies: false, because: 'no-match', files: changed.files.length };
  });
  return {
    slos: decided,
    applicable: decided.filter((d) => d.applies).map((d) => d.slo),
    ...(changed.kind === 'unknown' ? { failedClosed: changed } : {}),
  };
}

/** The policy limited to the SLOs that apply. Its `decide()` reads only their readings, so readings of the whole policy serve it too. */
export function scopePolicy<P extends { slos: ReadonlyArray<{ name: string }> }>(policy: P, scope: Pick<Scope, 'applicable'> | undefined): P {
  if (!scope) return policy;
  return { ...policy, slos: policy.slos.filter((slo) => scope.applicable.includes(slo.name)) };
}

function firstMatch(globs: readonly string[], files: readonly string[], budget: MatchBudget): { file: string; glob: string } | undefined {
  const matchers = globs.map((g) => [g, globMatcher(g, budget)] as const);
  for (const file of files) {
    // Too long to match safely: taken to match, so the SLO gates the change (fail closed).
    if (file.length > MAX_MATCHED_PATH_LENGTH) return { file, glob: globs[0]! };
    for (const [g, isMatch] of matchers) if (isMatch(file)) return { file, glob: g };
  }
  return undefined;
}

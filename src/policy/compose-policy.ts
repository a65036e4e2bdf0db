import type { PolicyProblem } from '../errors.js';
import { checkPolicy, isPlainObject, type Locate, type PolicyIssue, type ProblemKind } from './parse-policy.js';
import type { Policy } from './schema.js';
import type { SourceFiles } from './slo-sources/resolve.js';

/** One policy file, parsed within bounds, in the chain a repository's policy is made of. */
export interface PolicyFile {
  /** `owner/repo:.github/slo-gate.yml`, plus ` (inherited)` for any file but the repository's own. */
  label: string;
  /** The repository's own file: its problems may quote it. Anything else is only ever summed up. */
  own: boolean;
  /** The file's keys, without `_extends`. */
  data: Record<string, unknown>;
  locate: Locate;
}

export type ComposedPolicy = { kind: 'policy'; policy: Policy } | { kind: 'invalid'; problems: PolicyProblem[] };

/**
 * Merges a chain of files, the repository's end first, and validates the result. A key set nearer
 * the repository wins; mappings merge key by key; a list replaces the inherited list. A problem is
 * reported against the file its value came from: with its key path and line in the repository's
 * own file, and only as a count of kinds for any other file, whose keys and values may be secrets
 * the pull request comment must not show. `sources`: the Sloth and OpenSLO files its SLOs reference.
 */
export function composePolicy(files: readonly PolicyFile[], sources?: SourceFiles): ComposedPolicy {
  const merged = files.reduceRight<unknown>((base, file) => merge(file.data, base), {});
  const top = files[0];
  const checked = checkPolicy(merged, top?.own ? top.locate : undefined, sources);
  if (checked.ok) return { kind: 'policy', policy: checked.policy };
  const own: PolicyProblem[] = [];
  const inherited = new Map<PolicyFile, ProblemKind[]>();
  for (const issue of checked.issues) {
    const file = files[sourceOf(files, issue)];
    if (!file || file.own) own.push(issue.problem);
    // A problem with the whole document (empty, too large) is our own words, safe to give in full.
    else if (issue.kind === 'shape') own.push(inheritedProblem(file.label, issue.problem.message));
    else inherited.set(file, [...(inherited.get(file) ?? []), issue.kind]);
  }
  return { kind: 'invalid', problems: [...own, ...[...inherited].map(([file, kinds]) => inheritedProblem(file.label, countKinds(kinds)))] };
}

/** One problem naming an inherited file and what is wrong with it, never quoting it. */
export function inheritedProblem(label: string, what: string): PolicyProblem {
  return { path: '', message: `${label}: ${what}; fix that file` };
}

/** A file's keys merged over the keys it inherits: mappings key by key, anything else (lists too) replaced. */
function merge(over: unknown, base: unknown): unknown {
  if (!isPlainObject(over) || !isPlainObject(base)) return over === undefined ? base : over;
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(base), ...Object.keys(over)])) {
    // defineProperty: a `__proto__` key stays a key, never a prototype.
    Object.defineProperty(out, key, { value: merge(over[key], base[key]), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The index of the file an issue's value came from: walking the key path, a mapping is made of
 * every file from the nearest one down that holds a mapping there, anything else of the nearest
 * file that holds it. A key no file holds (a missing required key) belongs to the nearest file
 * that made its parent.
 */
function sourceOf(files: readonly PolicyFile[], issue: PolicyIssue): number {
  let makers: Array<{ index: number; value: unknown }> = files.map((file, index) => ({ index, value: file.data }));
  for (const key of issue.keys) {
    const holding = makers
      .map(({ index, value }) => ({ index, value: childOf(value, key) }))
      .filter((maker): maker is { index: number; value: unknown } => maker.value !== undefined);
    const nearest = holding[0];
    if (!nearest) break;
    if (!isPlainObject(nearest.value)) return nearest.index;
    const firstOther = holding.findIndex((maker) => !isPlainObject(maker.value));
    makers = firstOther === -1 ? holding : holding.slice(0, firstOther);
  }
  return makers[0]?.index ?? 0;
}

function childOf(value: unknown, key: PropertyKey): unknown {
  if (Array.isArray(value) && typeof key === 'number') return value[key];
  if (isPlainObject(value) && typeof key === 'string' && Object.hasOwn(value, key)) return value[key];
  return undefined;
}

const KIND_WORDS: Record<ProblemKind, [one: string, many: string]> = {
  'unknown-key': ['an unknown key', 'unknown keys'],
  missing: ['a missing required key', 'missing required keys'],
  'wrong-type': ['a value of the wrong type', 'values of the wrong type'],
  'not-allowed': ['a value that is not one of the allowed ones', 'values that are not one of the allowed ones'],
  'out-of-range': ['a value out of range', 'values out of range'],
  invalid: ['an invalid value', 'invalid values'],
  shape: ['a problem with the whole file', 'problems with the whole file'],
};

/** `2 problems: 2 unknown keys`, `3 problems: an unknown key, 2 values of the wrong type`. */
function countKinds(kinds: readonly ProblemKind[]): string {
  const counts = new Map<ProblemKind, number>();
  for (const kind of kinds) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, n]) => (n === 1 ? KIND_WORDS[kind][0] : `${n} ${KIND_WORDS[kind][1]}`));
  return `${kinds.length} problem${kinds.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

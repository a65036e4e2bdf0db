import type { z } from 'zod';
import { PolicyError, type PolicyProblem } from '../errors.js';
import { MAX_DEPTH, MAX_NODES, parseBoundedYaml, tooDeep } from './bounded-yaml.js';
import { policySchema, type Policy } from './schema.js';
import { resolveSloSources, type SourceFiles } from './slo-sources/resolve.js';

/** Where the policy lives in a repository, read from its default branch. */
export const POLICY_PATH = '.github/slo-gate.yml';

/** What kind of problem an issue is, so a problem in a file whose content must not be echoed can still be summed up. */
export type ProblemKind = 'unknown-key' | 'missing' | 'wrong-type' | 'not-allowed' | 'out-of-range' | 'invalid' | 'shape';

/** One problem with its key path as keys, so a merged policy can tell which file the value came from. */
export interface PolicyIssue {
  keys: PropertyKey[];
  kind: ProblemKind;
  problem: PolicyProblem;
}

export type Locate = (path: readonly PropertyKey[]) => number | undefined;

/** Validates already-parsed policy data. Throws PolicyError listing every problem. */
export function validatePolicy(raw: unknown, locate?: Locate, sources?: SourceFiles): Policy {
  const checked = checkPolicy(raw, locate, sources);
  if (checked.ok) return checked.policy;
  throw new PolicyError(checked.issues.map((issue) => issue.problem));
}

/**
 * Validates already-parsed policy data, returning every problem instead of throwing. `sources`:
 * the Sloth and OpenSLO files its SLOs reference, read beforehand (slo-sources/resolve.ts).
 */
export function checkPolicy(raw: unknown, locate?: Locate, sources?: SourceFiles): { ok: true; policy: Policy } | { ok: false; issues: PolicyIssue[] } {
  const whole = (message: string) => ({ ok: false as const, issues: [{ keys: [], kind: 'shape' as const, problem: { path: '', message } }] });
  if (!isBounded(raw)) return whole(tooDeep().problem.message);
  if (raw === null || raw === undefined || (isPlainObject(raw) && Object.keys(raw).length === 0))
    return whole('the policy is empty: it needs at least `slos:`');
  if (!isPlainObject(raw)) return whole('the policy must be a YAML mapping of keys (mode, slos, ...)');
  // reportInput: without it zod 4 leaves `issue.input` unset, and every wrong type would read "is required".
  const result = policySchema.safeParse(raw, { reportInput: true });
  if (!result.success) return { ok: false, issues: result.error.issues.flatMap((issue) => toIssues(issue, locate)) };
  const resolved = resolveSloSources(result.data, sources);
  if (resolved.ok) return resolved;
  return { ok: false, issues: resolved.issues.map(({ keys, kind, message }) => toIssue(keys, kind, message, locate)) };
}

/** Parses and validates policy YAML text (the CLI's path), with line numbers for every problem it can place. */
export function parsePolicyText(text: string, sources?: SourceFiles): Policy {
  const parsed = parseBoundedYaml(text);
  if (!parsed.ok) throw new PolicyError([parsed.problem]);
  if (isPlainObject(parsed.value) && Object.hasOwn(parsed.value, '_extends')) {
    throw new PolicyError([
      {
        path: '_extends',
        message: 'is resolved by the GitHub App only; validate the policy it extends together with this one',
        line: parsed.locate(['_extends']),
      },
    ]);
  }
  return validatePolicy(parsed.value, parsed.locate, sources);
}

/** A mapping as YAML or JSON gives it: not an array, a Date, a Buffer or a class instance. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Renders `['slos', 0, 'sli']` as `slos[0].sli`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function toIssue(keys: PropertyKey[], kind: ProblemKind, message: string, locate?: Locate): PolicyIssue {
  const line = locate?.(keys);
  const path = formatPath(keys);
  return { keys, kind, problem: line === undefined ? { path, message } : { path, message, line } };
}

function toIssues(issue: z.core.$ZodIssue, locate?: Locate): PolicyIssue[] {
  const make = (keys: PropertyKey[], kind: ProblemKind, message: string): PolicyIssue => toIssue(keys, kind, message, locate);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => make([...issue.path, key], 'unknown-key', 'unknown key'));
    case 'invalid_type':
      return issue.input === undefined
        ? [make(issue.path, 'missing', 'is required')]
        : [make(issue.path, 'wrong-type', `must be ${article(issue.expected)}, not ${describe(issue.input)}`)];
    case 'invalid_value':
      return [make(issue.path, 'not-allowed', `must be one of ${issue.values.map(String).join(', ')}`)];
    case 'too_small':
    case 'too_big':
      return [make(issue.path, 'out-of-range', bound(issue))];
    default:
      return [make(issue.path, 'invalid', issue.message)];
  }
}

/** At most MAX_NODES values and MAX_DEPTH levels; a cycle would count forever, so it is refused too. */
function isBounded(raw: unknown): boolean {
  let nodes = 0;
  const walk = (value: unknown, depth: number): boolean => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) return false;
    if (Array.isArray(value)) return value.every((child) => walk(child, depth + 1));
    if (isPlainObject(value)) return Object.values(value).every((child) => walk(child, depth + 1));
    return true;
  };
  return walk(raw, 0);
}

/** Zod's own bound messages ("Too small: expected array to have >=1 items") read like a stack trace. */
function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const limit = Number(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const word = issue.code === 'too_small' ? 'at least' : 'at most';
  if (issue.message && !/^Too (small|big)/.test(issue.message)) return issue.message;
  switch (issue.origin) {
    case 'array':
      return `must list ${word} ${limit} item${limit === 1 ? '' : 's'}`;
    case 'string':
      return `must be ${word} ${limit} character${limit === 1 ? '' : 's'} long`;
    default:
      return `must be ${word} ${limit}`;
  }
}

function article(type: string): string {
  return type === 'array' || type === 'object' || type === 'int' ? `an ${type === 'object' ? 'mapping' : type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { PolicyError, type PolicyProblem } from '../errors.js';
import { policySchema, type Policy } from './schema.js';

/** Where the policy lives in a repository, read from its default branch. */
export const POLICY_PATH = '.github/slo-gate.yml';

const MAX_TEXT_BYTES = 64 * 1024;
const MAX_NODES = 5_000;
const MAX_DEPTH = 16;

/** Validates an already-parsed policy (from Probot's config loader). Throws PolicyError listing every problem. */
export function validatePolicy(raw: unknown, locate?: (path: PropertyKey[]) => number | undefined): Policy {
  assertBounded(raw);
  if (raw === null || raw === undefined || (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)) {
    throw new PolicyError([{ path: '', message: 'the policy is empty: it needs at least `slos:`' }]);
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyError([{ path: '', message: 'the policy must be a YAML mapping of keys (mode, slos, ...)' }]);
  }
  // reportInput: without it zod 4 leaves `issue.input` unset, and every wrong type would read "is required".
  const result = policySchema.safeParse(raw, { reportInput: true });
  if (result.success) return result.data;
  throw new PolicyError(result.error.issues.flatMap((issue) => toProblems(issue, locate)));
}

/** Parses and validates policy YAML text, with line numbers for every problem it can place. */
export function parsePolicyText(text: string): Policy {
  if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) {
    throw new PolicyError([{ path: '', message: `the policy file is larger than ${MAX_TEXT_BYTES / 1024} KiB` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  // The first syntax error is the one to fix; the rest are usually its echoes.
  const yamlProblems = [...doc.errors, ...doc.warnings].slice(0, 1).map((e) => ({
    path: '',
    message: `invalid YAML: ${firstLine(e.message)}`,
    line: lines.linePos(e.pos[0]).line,
  }));
  if (yamlProblems.length > 0) throw new PolicyError(yamlProblems);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (error) {
    throw new PolicyError([{ path: '', message: `invalid YAML: ${firstLine(String((error as Error).message))}` }], { cause: error });
  }
  if (raw && typeof raw === 'object' && '_extends' in raw) {
    throw new PolicyError([
      {
        path: '_extends',
        message: 'is resolved by the GitHub App only; validate the policy it extends together with this one',
        line: lineOf(doc, lines, ['_extends']),
      },
    ]);
  }
  return validatePolicy(raw, (path) => lineOf(doc, lines, path));
}

/** Turns an error thrown by Probot's config loader (YAML syntax, unreadable file) into problems. */
export function problemsFromLoaderError(error: unknown): PolicyProblem[] {
  const cause = (error as { cause?: { linePos?: Array<{ line: number }>; message?: string } }).cause;
  if (cause && typeof cause.message === 'string') {
    return [{ path: '', message: `invalid YAML: ${firstLine(cause.message)}`, line: cause.linePos?.[0]?.line }];
  }
  const message = String((error as Error).message ?? error).replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
  return [{ path: '', message }];
}

/** Renders `['slos', 0, 'sli']` as `slos[0].sli`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function toProblems(issue: z.core.$ZodIssue, locate?: (path: PropertyKey[]) => number | undefined): PolicyProblem[] {
  const problem = (path: PropertyKey[], message: string): PolicyProblem => {
    const line = locate?.(path);
    return line === undefined ? { path: formatPath(path), message } : { path: formatPath(path), message, line };
  };
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => problem([...issue.path, key], 'unknown key'));
    case 'invalid_type':
      return [problem(issue.path, issue.input === undefined ? 'is required' : `must be ${article(issue.expected)}, not ${describe(issue.input)}`)];
    case 'invalid_value':
      return [problem(issue.path, `must be one of ${issue.values.map(String).join(', ')}`)];
    case 'too_small':
    case 'too_big':
      return [problem(issue.path, bound(issue))];
    default:
      return [problem(issue.path, issue.message)];
  }
}

function lineOf(doc: Document, lines: LineCounter, path: PropertyKey[]): number | undefined {
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function assertBounded(raw: unknown): void {
  let nodes = 0;
  const walk = (value: unknown, depth: number): void => {
    if (++nodes > MAX_NODES || depth > MAX_DEPTH) {
      throw new PolicyError([{ path: '', message: `the policy is too large or too deeply nested (at most ${MAX_NODES} values, ${MAX_DEPTH} levels)` }]);
    }
    if (value && typeof value === 'object') for (const child of Object.values(value)) walk(child, depth + 1);
  };
  walk(raw, 0);
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

function firstLine(text: string): string {
  return text.split('\n')[0]?.trim() ?? text;
}

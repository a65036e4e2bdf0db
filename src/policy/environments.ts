import { z } from 'zod';
import { parseDuration } from './duration.js';
import type { Policy, PolicyDocument } from './schema.js';

/**
 * `environments:` in the policy: which GitHub environments the gate guards, with which SLOs, how
 * long a blocked deployment may wait, and how a deployment is verified after it went out. Pure.
 */

/** GitHub holds a deployment protection rule's job for at most 30 days. */
export const MAX_WAIT_MS = 30 * 86_400_000;
/** Verification stops a day after the deploy: by then the deployment is no longer the news. */
export const MAX_VERIFY_AFTER_MS = 86_400_000;
export const MAX_VERIFY_CHECKS = 10;
export const MAX_ENVIRONMENTS = 50;
/** GitHub: "An environment name may not exceed 255 characters and must be unique within the repository" (case-insensitively). */
export const MAX_ENVIRONMENT_NAME = 255;
/** Flags a deployment whose burn is this many times the burn before it, unless the policy says otherwise. */
export const DEFAULT_REGRESSION_FACTOR = 5;

/**
 * GitHub documents no character set for environment names beyond their length (names with spaces
 * and slashes exist). What we refuse can only come from a typo or a trick: control and format
 * characters (newlines, zero-width and bidi marks) that would forge lines in comments and logs or
 * make two names look alike, and white space at either end, which GitHub trims away.
 */
const ODD_CHARACTER = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** A whole-duration text: `0` (or `0s`) or a Prometheus duration; never negative. */
const waitDuration = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  const ms = durationMs(value);
  if (ms === 'negative') ctx.addIssue({ code: 'custom', message: 'must not be negative: use 0 to decide at once, or a duration such as 30m or 2h' });
  else if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'must be 0 or a Prometheus duration such as 30m, 2h or 1d' });
  else if (ms > MAX_WAIT_MS) ctx.addIssue({ code: 'custom', message: 'must be at most 30d: GitHub holds a waiting deployment for 30 days at most' });
});

const verifyOffset = z.string().superRefine((text, ctx) => {
  const ms = parseDuration(text);
  if (text.startsWith('-') || durationMs(text) === 0) ctx.addIssue({ code: 'custom', message: 'must be a duration after the deployment, above 0, such as 5m' });
  else if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'must be a Prometheus duration such as 5m, 15m or 1h' });
  else if (ms > MAX_VERIFY_AFTER_MS) ctx.addIssue({ code: 'custom', message: 'must be at most 24h after the deployment' });
});

const verify = z.strictObject({
  after: z
    .array(verifyOffset)
    .min(1, { error: 'must list at least one check, e.g. [5m, 15m, 30m]' })
    .max(MAX_VERIFY_CHECKS, { error: `must list at most ${MAX_VERIFY_CHECKS} checks` })
    .superRefine((after, ctx) => {
      const ms = after.map(parseDuration);
      ms.forEach((value, index) => {
        const previous = ms[index - 1];
        if (index > 0 && value !== undefined && previous !== undefined && value <= previous) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `must be later than the check before it (${after[index - 1]}): list the checks in ascending order`,
          });
        }
      });
    }),
  regressionFactor: z
    .number({ error: 'must be a number, e.g. 5' })
    .gt(1, { error: 'must be above 1: a regression is a burn some times higher than before the deployment' })
    .max(1000, { error: 'must be at most 1000' })
    .default(DEFAULT_REGRESSION_FACTOR),
});

const BRANCH_ODD = /[\s~^:?*[\\\p{Cc}]|\.\.|@\{|\/\/|^[-/.]|[/.]$|\.lock$/u;

const branch = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters long' })
  .superRefine((name, ctx) => {
    if (name.startsWith('refs/')) ctx.addIssue({ code: 'custom', message: 'must be a branch name without refs/heads/, e.g. main' });
    else if (BRANCH_ODD.test(name)) ctx.addIssue({ code: 'custom', message: `is not a valid git branch name: "${printable(name)}"` });
  });

const environment = z.strictObject({
  /** The SLOs that gate this environment; undefined: all of them. */
  slos: z
    .array(z.string().min(1).max(64))
    .min(1, { error: 'must list at least one SLO, or be left out to gate on all of them' })
    .max(50, { error: 'must list at most 50 SLOs' })
    .optional(),
  /** The branch this environment deploys; undefined: the repository's default branch. */
  branch: branch.optional(),
  /** How long a blocked protection-rule request may wait for the budget to recover; `0`: decide at once. */
  waitFor: waitDuration.default('0'),
  verify: verify.optional(),
});

/**
 * `environments:`, keyed by GitHub environment name. zod drops a `__proto__` key without a word,
 * which would leave that environment silently ungated: it is refused first.
 */
export const environmentsSchema = z.preprocess(
  (raw, ctx) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      ctx.issues.push({
        code: 'custom',
        message: 'must be a mapping of GitHub environment names to their settings, e.g. `production: { waitFor: 2h }`',
        input: raw,
      });
      return {};
    }
    if (Object.prototype.hasOwnProperty.call(raw, '__proto__')) {
      ctx.issues.push({ code: 'custom', path: ['__proto__'], message: 'is not a usable environment name', input: raw });
    }
    return raw;
  },
  z.record(z.string(), environment).superRefine((environments, ctx) => {
    const names = Object.keys(environments);
    if (names.length > MAX_ENVIRONMENTS) ctx.addIssue({ code: 'custom', message: `must list at most ${MAX_ENVIRONMENTS} environments` });
    for (const name of names) {
      const problem = environmentNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: problem });
    }
  }),
);

export type EnvironmentConfig = z.output<typeof environment>;
export type Environments = z.output<typeof environmentsSchema>;

/** An environment as the policy names it (the key, as written) with its settings. */
export interface NamedEnvironment {
  name: string;
  config: EnvironmentConfig;
}

/** Why a name cannot be a GitHub environment's, or undefined when it can. */
export function environmentNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'an environment name must not be empty';
  if (name.length > MAX_ENVIRONMENT_NAME) return `an environment name must be at most ${MAX_ENVIRONMENT_NAME} characters long (GitHub's limit)`;
  if (ODD_CHARACTER.test(name)) return `an environment name must not contain control or invisible characters: "${printable(name)}"`;
  if (name.trim() !== name) return `an environment name must not start or end with white space: "${printable(name)}"`;
  return undefined;
}

/**
 * Cross-field checks, for the policy's own superRefine: every listed SLO exists, and no two
 * environments differ only in case (GitHub treats them as one). Problems carry their key paths.
 */
export function environmentProblems(policy: Pick<PolicyDocument, 'slos' | 'environments'>): Array<{ path: PropertyKey[]; message: string }> {
  const problems: Array<{ path: PropertyKey[]; message: string }> = [];
  const slos = new Set(policy.slos.map((s) => s.name));
  const seen = new Map<string, string>();
  for (const [name, config] of Object.entries(policy.environments)) {
    const key = foldName(name);
    const twin = seen.get(key);
    if (twin !== undefined) {
      problems.push({ path: ['environments', name], message: `names the same GitHub environment as "${twin}": environment names are not case-sensitive` });
    } else seen.set(key, name);
    config.slos?.forEach((slo, index) => {
      if (!slos.has(slo)) problems.push({ path: ['environments', name, 'slos', index], message: `names no SLO of this policy: "${printable(slo)}"` });
      else if (config.slos!.indexOf(slo) < index) problems.push({ path: ['environments', name, 'slos', index], message: `lists "${slo}" twice` });
    });
  }
  return problems;
}

/** The environment the policy gates under this GitHub environment name, matched case-insensitively. */
export function findEnvironment(policy: Pick<Policy, 'environments'>, name: string): NamedEnvironment | undefined {
  const key = foldName(name);
  const found = Object.entries(policy.environments).find(([candidate]) => foldName(candidate) === key);
  return found && { name: found[0], config: found[1] };
}

/** The same policy, gating only on the SLOs this environment lists (all when it lists none). */
export function policyForEnvironment(policy: Policy, environment: NamedEnvironment): Policy {
  const wanted = environment.config.slos;
  if (wanted === undefined) return policy;
  return { ...policy, slos: policy.slos.filter((slo) => wanted.includes(slo.name)) };
}

/** The environments deployed from `branch`: those naming it, and those naming none when it is the default branch. */
export function gatedEnvironmentsForBranch(policy: Pick<Policy, 'environments'>, branch: string, defaultBranch: string): NamedEnvironment[] {
  return Object.entries(policy.environments)
    .filter(([, config]) => (config.branch ?? defaultBranch) === branch)
    .map(([name, config]) => ({ name, config }));
}

/** How long a blocked protection-rule request may wait, in milliseconds (0: decide at once). */
export function waitForMs(environment: NamedEnvironment): number {
  const ms = durationMs(environment.config.waitFor);
  return typeof ms === 'number' ? ms : 0;
}

/** The post-deploy checks, in milliseconds after the deployment succeeded, ascending; empty when not verified. */
export function verifyAfterMs(environment: NamedEnvironment): number[] {
  return (environment.config.verify?.after ?? []).map((text) => parseDuration(text) ?? 0);
}

/** The commit status that says whether this environment may be deployed: `slo-gate/production`. */
export function environmentContext(policy: Pick<Policy, 'context'>, environment: NamedEnvironment): string {
  return `${policy.context}/${environment.name}`;
}

/** The commit status of post-deploy verification: `slo-gate/production/verify`. */
export function verifyContext(policy: Pick<Policy, 'context'>, environment: NamedEnvironment): string {
  return `${environmentContext(policy, environment)}/verify`;
}

function durationMs(value: string | number): number | 'negative' | undefined {
  if (typeof value === 'number') return value === 0 ? 0 : value < 0 ? 'negative' : undefined;
  const text = value.trim();
  if (text.startsWith('-')) return 'negative';
  if (/^0+(ms|s|m|h|d|w|y)?$/.test(text)) return 0;
  return parseDuration(text);
}

function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/** A name as it can be quoted in a message: control characters shown as escapes, and cut short. */
function printable(text: string): string {
  const shown = visibleName(text);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

/**
 * A name from a webhook as it can be shown in a comment: control and invisible characters as
 * `\u{…}` escapes, so a name cannot forge lines or pass for another one.
 */
export function visibleName(text: string): string {
  return text.replace(new RegExp(ODD_CHARACTER.source, 'gu'), (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`);
}

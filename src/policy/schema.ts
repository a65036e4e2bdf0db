import { z } from 'zod';
import { budgetProblems, budgetSchema } from './budget.js';
import { burnRateSchema, NAME, type BurnRule } from './burn-rate.js';
import { parseDuration } from './duration.js';
import { environmentProblems, environmentsSchema } from './environments.js';
import { pathsSchema } from './paths.js';
import { freezeSchema } from './freeze.js';
import { promqlErrors } from './promql-lint.js';
import type { RecordedSeries } from './slo-sources/recorded.js';
import { opensloReference, slothReference, sloSourceProblems } from './slo-sources/reference.js';

/** The placeholder a query uses for its range window, as in Sloth's SLI spec. */
export const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;
const ANY_PLACEHOLDER = /\{\{(.*?)\}\}/g;

const MAX_QUERY_LENGTH = 4000;

const duration = z.string().refine((text) => parseDuration(text) !== undefined, {
  error: 'must be a Prometheus duration such as 5m, 1h or 30d',
});

const query = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(MAX_QUERY_LENGTH, { error: `must be at most ${MAX_QUERY_LENGTH} characters` })
  .superRefine((text, ctx) => {
    const unknown = [...text.matchAll(ANY_PLACEHOLDER)].map((m) => m[0]).filter((p) => !p.match(WINDOW_PLACEHOLDER));
    if (unknown.length > 0) {
      ctx.addIssue({ code: 'custom', message: `unknown placeholder ${unknown[0]}: only {{.window}} is replaced` });
    } else if (text.replace(WINDOW_PLACEHOLDER, '').includes('{{')) {
      // renderQuery refuses any `{{` left behind, so a stray one must fail here, not at evaluation time.
      ctx.addIssue({ code: 'custom', message: 'has a `{{` that is not a placeholder: only {{.window}} is replaced' });
    }
    if (!text.match(WINDOW_PLACEHOLDER)) {
      ctx.addIssue({ code: 'custom', message: 'must contain the {{.window}} placeholder, e.g. rate(x[{{.window}}])' });
    }
    // Prometheus' own grammar (promql-lint.ts): a query that cannot parse would fail every evaluation.
    promqlErrors(text).forEach((message) => ctx.addIssue({ code: 'custom', message }));
  });

export const sliSchema = z
  .strictObject({
    events: z.strictObject({ errorQuery: query, totalQuery: query }).optional(),
    raw: z.strictObject({ errorRatioQuery: query }).optional(),
  })
  .superRefine((value, ctx) => {
    if ((value.events === undefined) === (value.raw === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'needs exactly one of `events` or `raw`' });
    }
  });

export const objectiveSchema = z
  .number({ error: 'must be a number of percent, e.g. 99.9' })
  .gt(0, { error: 'must be above 0 (percent)' })
  .lt(100, { error: 'must be below 100 (percent): a 100% objective leaves no error budget' });

const slo = z
  .strictObject({
    name: z.string().regex(NAME, { error: "must be 1-64 letters, digits, '-', '_' or '.'" }),
    // With `sloth:` or `openslo:` the objective and the SLI come from that file (src/policy/slo-sources).
    objective: objectiveSchema.optional(),
    period: duration.default('30d'),
    // Globs of the files this SLO gates changes to (monorepos); without `paths` it gates every change.
    paths: pathsSchema.optional(),
    sli: sliSchema.optional(),
    sloth: slothReference.optional(),
    openslo: opensloReference.optional(),
  })
  .superRefine(sloSourceProblems);

/** The rules a policy gets when it sets none: the gating preset (see burn-rate.ts). */
export { GATING_RULES as DEFAULT_RULES } from './burn-rate.js';

export const policySchema = z
  .strictObject({
    mode: z.enum(['enforce', 'warn']).default('enforce'),
    context: z
      .string()
      .min(1)
      .max(100)
      .regex(/^(?!\s)/, { error: 'must not start with white space' })
      .default('slo-gate'),
    onMissingData: z.enum(['block', 'allow']).default('block'),
    slos: z.array(slo).min(1, { error: 'must list at least one SLO' }).max(50, { error: 'must list at most 50 SLOs' }),
    burnRate: burnRateSchema,
    budget: budgetSchema,
    bypass: z
      .strictObject({
        labels: z.array(z.string().min(1).max(50)).max(20).default([]),
        minPermission: z.enum(['triage', 'write', 'maintain', 'admin']).default('write'),
      })
      .default({ labels: [], minPermission: 'write' }),
    comment: z.enum(['always', 'blocked', 'never']).default('blocked'),
    // How the pull-request gate reports: a commit status (works with required_contexts and every CI) or a check run (src/github/check-run.ts).
    report: z.enum(['status', 'check-run']).default('status'),
    environments: environmentsSchema.default({}),
    freeze: freezeSchema.default([]),
  })
  .superRefine((policy, ctx) => {
    duplicates(policy.slos.map((s) => s.name)).forEach((index) =>
      ctx.addIssue({ code: 'custom', path: ['slos', index, 'name'], message: `duplicate SLO name "${policy.slos[index]?.name}"` }),
    );
    duplicates(policy.burnRate.rules.map((r) => r.name)).forEach((index) =>
      ctx.addIssue({ code: 'custom', path: ['burnRate', 'rules', index, 'name'], message: 'duplicate rule name' }),
    );
    duplicates(policy.bypass.labels).forEach((index) =>
      ctx.addIssue({ code: 'custom', path: ['bypass', 'labels', index], message: `duplicate label "${policy.bypass.labels[index]}"` }),
    );
    budgetProblems(policy.budget).forEach(({ path, message }) => ctx.addIssue({ code: 'custom', path, message }));
    const longest = Math.max(...policy.burnRate.rules.map((r) => parseDuration(r.long) ?? 0));
    policy.slos.forEach((s, index) => {
      const period = parseDuration(s.period);
      // An unparseable period already has its own problem; do not add a second one.
      if (period !== undefined && period < longest) {
        ctx.addIssue({ code: 'custom', path: ['slos', index, 'period'], message: 'must not be shorter than the longest burn-rate window' });
      }
    });
    environmentProblems(policy).forEach(({ path, message }) => ctx.addIssue({ code: 'custom', path, message }));
  });

function duplicates(names: string[]): number[] {
  return names.flatMap((name, index) => (names.indexOf(name) < index ? [index] : []));
}

/** A policy as written: an SLO may still point at a Sloth or OpenSLO file instead of holding its SLI. */
export type PolicyDocument = z.output<typeof policySchema>;
export type Sli = z.output<typeof sliSchema>;
/** An SLO the engine can measure: references resolved into `objective` + `sli` (slo-sources/resolve.ts). */
export type Slo = Omit<PolicyDocument['slos'][number], 'objective' | 'sli'> & {
  objective: number;
  sli: Sli;
  /** Sloth's recording rules to read instead of the raw queries, for the windows Sloth records. */
  recorded?: RecordedSeries;
};
export type Policy = Omit<PolicyDocument, 'slos'> & { slos: Slo[] };
export type { BurnRule };
export type Permission = Policy['bypass']['minPermission'];

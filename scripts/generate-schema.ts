/**
 * Writes schema/slo-gate.schema.json from the zod schema (`npm run schema`), so editors validate a
 * policy as people type (`# yaml-language-server: $schema=...`). test/policy/json-schema.test.ts
 * fails when the committed file differs from what this generates.
 *
 * The JSON Schema describes the policy as written (zod's input side): keys with a default are
 * optional and show that default. Zod's refinements (duplicate names, PromQL, the order of budget
 * tiers, ...) have no JSON Schema form: only the app and `slo-gate validate` check them. Durations
 * are the exception: they get a pattern (DURATION_PATTERN).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { policySchema } from '../src/policy/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/slo-gate.schema.json', import.meta.url));

/**
 * A Prometheus duration as parseDuration reads it: number+unit pairs, units in descending order,
 * each once, not all zero. Zod checks durations with a refinement, which has no JSON form; this
 * gives editors the same rule for every string whose refinement says it must be a duration.
 */
export const DURATION_PATTERN = '^(?=.*[1-9])(\\d+y)?(\\d+w)?(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?(\\d+ms)?$';
const DURATION_MAX_LENGTH = 32;

/** The JSON Schema as an object: draft-07, which every YAML and JSON editor plugin reads. */
export function policyJsonSchema(): Record<string, unknown> {
  // `unrepresentable: 'throw'` (the default): a zod type with no JSON form fails here rather than
  // becoming `{}`, which would accept anything.
  const generated = z.toJSONSchema(policySchema, { io: 'input', target: 'draft-7', override: durationPattern }) as Record<string, unknown> & {
    properties: Record<string, unknown>;
  };
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: 'slo-gate policy (.github/slo-gate.yml)',
    description: 'Gates pull requests and deployments on SLO burn rates. Generated from src/policy/schema.ts by `npm run schema`: do not edit.',
    ...rest,
    properties: {
      // Resolved by the app before validation (policy-source.ts); the schema must not reject it.
      _extends: {
        type: 'string',
        minLength: 1,
        description: "Inherit another repository's policy: `other-repo` or `owner/repo` (`.github` for the organisation default).",
      },
      ...generated.properties,
    },
  };
}

type Override = NonNullable<NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override']>;

/** Adds DURATION_PATTERN to a string schema whose zod refinement's message asks for a Prometheus duration. */
const durationPattern: Override = ({ zodSchema, jsonSchema }) => {
  const def = zodSchema._zod.def as { type?: string; checks?: Array<{ _zod: { def: { check?: string; error?: unknown } } }> };
  const asksForDuration = (def.checks ?? []).some(({ _zod }) => {
    const { check, error } = _zod.def;
    return check === 'custom' && typeof error === 'function' && /Prometheus duration/.test(String((error as (issue: object) => unknown)({})));
  });
  if (def.type === 'string' && asksForDuration) {
    jsonSchema.pattern = DURATION_PATTERN;
    jsonSchema.maxLength ??= DURATION_MAX_LENGTH;
  }
};

/** The file's text, formatted the way `prettier --check` expects it. */
export async function policyJsonSchemaText(): Promise<string> {
  const options = (await resolveConfig(SCHEMA_FILE)) ?? {};
  return format(JSON.stringify(policyJsonSchema()), { ...options, parser: 'json' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await policyJsonSchemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}

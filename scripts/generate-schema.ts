/**
 * Writes schema/slo-gate.schema.json from the zod schema (`npm run schema`), so editors validate a
 * policy as people type (`# yaml-language-server: $schema=...`). test/policy/json-schema.test.ts
 * fails when the committed file differs from what this generates.
 *
 * The JSON Schema describes the policy as written (zod's input side): keys with a default are
 * optional and show that default. Zod's refinements (durations, duplicate names, PromQL, the order
 * of budget tiers, ...) have no JSON Schema form: only the app and `slo-gate validate` check them.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { policySchema } from '../src/policy/schema.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../schema/slo-gate.schema.json', import.meta.url));

/** The JSON Schema as an object: draft-07, which every YAML and JSON editor plugin reads. */
export function policyJsonSchema(): Record<string, unknown> {
  // `unrepresentable: 'throw'` (the default): a zod type with no JSON form fails here rather than
  // becoming `{}`, which would accept anything.
  const generated = z.toJSONSchema(policySchema, { io: 'input', target: 'draft-7' }) as Record<string, unknown> & {
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

/** The file's text, formatted the way `prettier --check` expects it. */
export async function policyJsonSchemaText(): Promise<string> {
  const options = (await resolveConfig(SCHEMA_FILE)) ?? {};
  return format(JSON.stringify(policyJsonSchema()), { ...options, parser: 'json' });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, await policyJsonSchemaText());
  console.log(`wrote ${SCHEMA_FILE}`);
}

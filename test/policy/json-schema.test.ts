import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DURATION_PATTERN, policyJsonSchema, policyJsonSchemaText, SCHEMA_FILE } from '../../scripts/generate-schema.js';
import { parseBoundedYaml } from '../../src/policy/bounded-yaml.js';
import { checkPolicy, isPlainObject } from '../../src/policy/parse-policy.js';

const FIXTURES = new URL('../fixtures/policy/', import.meta.url);
const SLI = { raw: { errorRatioQuery: 'slo:sli_error:ratio_rate{{.window}}' } };
const SLO = { name: 'checkout', objective: 99.9, sli: SLI };

/** Policies as data, beside the YAML fixtures: the edges of what each key accepts. */
const INLINE: Record<string, unknown> = {
  'an _extends the app resolves before validation': { _extends: '.github', slos: [SLO] },
  'an _extends that is not a string': { _extends: ['a', 'b'], slos: [SLO] },
  'environments gating a deployment': { slos: [SLO], environments: { production: { slos: ['checkout'], waitFor: '30m' } } },
  'an environment with an unknown key': { slos: [SLO], environments: { production: { slos: ['checkout'], approve: true } } },
  'a context starting with a space': { slos: [SLO], context: ' slo-gate' },
  'an SLO name with a space': { slos: [{ ...SLO, name: 'check out' }] },
  '51 SLOs': { slos: Array.from({ length: 51 }, (_, i) => ({ ...SLO, name: `slo-${i}` })) },
  'an empty SLO list': { slos: [] },
  'bypass labels and a permission': { slos: [SLO], bypass: { labels: ['hotfix'], minPermission: 'maintain' } },
  'an unknown permission': { slos: [SLO], bypass: { minPermission: 'owner' } },
  'a burn-rate preset': { slos: [SLO], burnRate: { preset: 'workbook-paging' } },
  'an unknown burn-rate preset': { slos: [SLO], burnRate: { preset: 'fastest' } },
  'a negative burn-rate factor': { slos: [SLO], burnRate: { rules: [{ name: 'a', long: '1h', short: '5m', factor: -1 }] } },
  'a budget tier above 100%': { slos: [SLO], budget: { warnBelow: 101 } },
  'a period of 1h30m': { slos: [{ ...SLO, period: '1h30m' }] },
  'a period written out, 30 days': { slos: [{ ...SLO, period: '30 days' }] },
  'a period of 0s': { slos: [{ ...SLO, period: '0s' }] },
  'a period with its units out of order': { slos: [{ ...SLO, period: '1m1h' }] },
  'a forecast horizon of 3d': { slos: [SLO], budget: { horizon: '3d' } },
  'a forecast horizon of three days': { slos: [SLO], budget: { horizon: 'three days' } },
  'null: an empty document': null,
  'PromQL that does not parse': { slos: [{ ...SLO, sli: { raw: { errorRatioQuery: 'sum(x[{{.window}}]' } } }] },
  'an environment gated on an SLO the policy lacks': { slos: [SLO], environments: { production: { slos: ['payments'] } } },
};

/**
 * Where the two may disagree: zod refinements the JSON Schema cannot state. Each is accepted by the
 * JSON Schema (an editor does not flag it) and rejected by zod (the app and `slo-gate validate` do).
 * The test fails when one of them stops disagreeing, so this list stays true.
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'block-above-warn.yml': 'budget tiers must be in order (budgetProblems)',
  'duplicate-slo-names.yml': 'SLO names must be unique',
  'events-and-raw.yml': 'an SLI needs exactly one of events or raw',
  'neither-events-nor-raw.yml': 'an SLI needs exactly one of events or raw',
  'short-not-shorter.yml': "a rule's short window must be shorter than its long one",
  'period-shorter-than-window.yml': 'a period must not be shorter than the longest burn-rate window',
  'missing-window-placeholder.yml': 'a query must contain {{.window}}',
  'unknown-placeholder.yml': 'a query may hold no other placeholder',
  'PromQL that does not parse': "PromQL is checked with Prometheus' grammar (promql-lint.ts)",
  'an environment gated on an SLO the policy lacks': 'an environment may only name SLOs of the policy (environmentProblems)',
};

/** The YAML fixtures that parse (the rest never reach a schema), and the inline ones. */
function cases(): Array<[name: string, value: unknown]> {
  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.yml'));
  const parsed = files.flatMap((name): Array<[string, unknown]> => {
    const result = parseBoundedYaml(readFileSync(new URL(name, FIXTURES), 'utf8'));
    return result.ok ? [[name, result.value]] : [];
  });
  return [...parsed, ...Object.entries(INLINE)];
}

/** What the app decides: it resolves `_extends` before validating the rest (policy-source.ts). */
function zodAccepts(value: unknown): boolean {
  const own =
    isPlainObject(value) && typeof value._extends === 'string' ? Object.fromEntries(Object.entries(value).filter(([key]) => key !== '_extends')) : value;
  return checkPolicy(own).ok;
}

const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(policyJsonSchema());

describe('schema/slo-gate.schema.json', () => {
  it('is what `npm run schema` generates from the zod schema now (run it and commit the file if this fails)', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(await policyJsonSchemaText());
  });

  it('is a draft-07 schema that lists every top-level key of the policy, and requires only slos', () => {
    const schema = policyJsonSchema() as { $schema: string; required: string[]; properties: Record<string, unknown>; additionalProperties: boolean };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['slos']);
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['_extends', 'mode', 'slos', 'burnRate', 'budget', 'bypass', 'environments']));
  });

  it('gives every duration the pattern of a Prometheus duration, so an editor flags "30 days"', () => {
    const text = JSON.stringify(policyJsonSchema());
    expect(text.split(JSON.stringify(DURATION_PATTERN)).length - 1).toBeGreaterThanOrEqual(4);
  });

  it('shows the defaults a policy gets for what it leaves out', () => {
    const { properties } = policyJsonSchema() as { properties: Record<string, { default?: unknown }> };
    expect(properties.mode?.default).toBe('enforce');
    expect(properties.comment?.default).toBe('blocked');
  });
});

describe('zod and the JSON Schema on the same policies', () => {
  it.each(cases().filter(([name]) => !(name in KNOWN_DIFFERENCES)))('agree on %s', (_name, value) => {
    expect(validate(value)).toBe(zodAccepts(value));
  });

  it.each(Object.entries(KNOWN_DIFFERENCES))('differ, as listed, on %s: only zod checks that %s', (name) => {
    const value = cases().find(([n]) => n === name);
    expect(value, `no fixture named ${name}`).toBeDefined();
    expect({ zod: zodAccepts(value![1]), jsonSchema: validate(value![1]) }).toEqual({ zod: false, jsonSchema: true });
  });

  it('cover valid and invalid policies both, from the fixtures and inline', () => {
    const verdicts = cases().map(([, value]) => zodAccepts(value));
    expect(verdicts.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(verdicts.filter((ok) => !ok).length).toBeGreaterThanOrEqual(20);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyProblem } from '../../src/errors.js';
import { parsePolicyText, validatePolicy } from '../../src/policy/parse-policy.js';

const FIXTURES = new URL('../fixtures/policy/', import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** The problems a policy text is rejected with; fails the test if it is accepted or throws anything else. */
function problemsOf(text: string): PolicyProblem[] {
  try {
    parsePolicyText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error('expected the policy to be rejected');
}

/** An expected problem: exact path, a recognisable part of the message, and the line (undefined when the file has none). */
type Expected = [path: string, message: string, line: number | undefined];

function expectProblems(problems: PolicyProblem[], expected: Expected[]): void {
  expect(problems).toEqual(expected.map(([path, message, line]) => ({ path, message: expect.stringContaining(message), line })));
}

const CHECKOUT_EVENTS = {
  errorQuery: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))',
  totalQuery: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
};

const DEFAULTS = {
  mode: 'enforce',
  context: 'slo-gate',
  onMissingData: 'block',
  burnRate: {
    preset: 'gating',
    rules: [
      { name: 'acute', long: '5m', short: '1m', factor: 14.4 },
      { name: 'fast', long: '15m', short: '5m', factor: 3.6 },
      { name: 'slow', long: '1h', short: '15m', factor: 1.5 },
    ],
    minErrors: 20,
  },
  budget: { warnBelow: 25, blockBelow: 0, allowLabels: [] },
  bypass: { labels: [], minPermission: 'write' },
  comment: 'blocked',
  report: 'status',
  environments: {},
  freeze: [],
};

describe('parsePolicyText: valid policies', () => {
  it('reads a full policy exactly as written, its own rules without a guard', () => {
    expect(parsePolicyText(fixture('full.yml'))).toEqual({
      ...DEFAULTS,
      burnRate: {
        preset: 'custom',
        rules: [
          { name: 'fast', long: '1h', short: '5m', factor: 14.4 },
          { name: 'slow', long: '6h', short: '30m', factor: 6 },
        ],
        minErrors: 0,
      },
      slos: [{ name: 'checkout-availability', objective: 99.9, period: '30d', sli: { events: CHECKOUT_EVENTS } }],
      bypass: { labels: ['hotfix', 'security'], minPermission: 'write' },
    });
  });

  it('fills every default into a minimal policy that lists only its SLO', () => {
    expect(parsePolicyText(fixture('minimal.yml'))).toEqual({
      ...DEFAULTS,
      slos: [{ name: 'checkout-availability', objective: 99.9, period: '30d', sli: { events: CHECKOUT_EVENTS } }],
    });
  });

  it('reads a raw ratio SLI in warn mode with its own period and a spaced {{ .window }}', () => {
    expect(parsePolicyText(fixture('raw-sli.yml'))).toMatchObject({
      mode: 'warn',
      slos: [
        {
          name: 'search-latency',
          objective: 99,
          period: '7d',
          sli: { raw: { errorRatioQuery: '1 - avg_over_time(search_request_fast_ratio[{{ .window }}])' } },
        },
      ],
    });
  });

  it('accepts a file of exactly 64 KiB', () => {
    const policy = fixture('minimal.yml');
    const padding = 64 * 1024 - Buffer.byteLength(policy) - 2;
    expect(() => parsePolicyText(`${policy}#${'x'.repeat(padding)}\n`)).not.toThrow();
  });
});

describe('parsePolicyText: invalid policies', () => {
  it.each<{ name: string; file: string; problems: Expected[] }>([
    { name: 'rejects an unknown top-level key', file: 'unknown-key-top-level.yml', problems: [['reviewers', 'unknown key', 7]] },
    {
      name: 'rejects a misspelt nested key and says the real one is required',
      file: 'unknown-key-nested.yml',
      problems: [
        ['slos[0].sli.events.errorQuery', 'is required', 6],
        ['slos[0].sli.events.errorsQuery', 'unknown key', 6],
      ],
    },
    { name: 'requires totalQuery in an events SLI', file: 'missing-total-query.yml', problems: [['slos[0].sli.events.totalQuery', 'is required', 6]] },
    {
      name: 'rejects an objective written as a string',
      file: 'objective-string.yml',
      problems: [['slos[0].objective', 'must be a number, not string "99.9%"', 3]],
    },
    {
      name: 'rejects an objective of 100, which leaves no error budget',
      file: 'objective-100.yml',
      problems: [['slos[0].objective', 'must be below 100 (percent)', 3]],
    },
    { name: 'rejects an objective of 0', file: 'objective-0.yml', problems: [['slos[0].objective', 'must be above 0 (percent)', 3]] },
    { name: 'rejects slos written as a mapping instead of a list', file: 'slos-mapping.yml', problems: [['slos', 'must be an array, not a mapping', 3]] },
    { name: 'requires slos', file: 'no-slos.yml', problems: [['slos', 'is required', undefined]] },
    {
      name: 'rejects a burn-rate factor that is not a number',
      file: 'factor-string.yml',
      problems: [['burnRate.rules[0].factor', 'must be a number, not string "14.4x"', 9]],
    },
    {
      name: 'rejects bypass labels written as a single string',
      file: 'labels-string.yml',
      problems: [['bypass.labels', 'must be an array, not string "hotfix"', 8]],
    },
    { name: 'rejects an unknown mode and lists the valid ones', file: 'mode-unknown.yml', problems: [['mode', 'must be one of enforce, warn', 1]] },
    {
      name: 'rejects a query without the {{.window}} placeholder',
      file: 'missing-window-placeholder.yml',
      problems: [['slos[0].sli.events.totalQuery', 'must contain the {{.window}} placeholder', 7]],
    },
    {
      name: 'rejects an unknown {{.foo}} placeholder',
      file: 'unknown-placeholder.yml',
      problems: [['slos[0].sli.events.errorQuery', 'unknown placeholder {{.foo}}: only {{.window}} is replaced', 6]],
    },
    {
      name: 'rejects a period that is not a Prometheus duration, once',
      file: 'invalid-duration.yml',
      problems: [['slos[0].period', 'must be a Prometheus duration such as 5m, 1h or 30d', 4]],
    },
    {
      name: 'rejects a rule window with units out of order (5m1h)',
      file: 'invalid-rule-duration.yml',
      problems: [['burnRate.rules[0].long', 'must be a Prometheus duration', 10]],
    },
    {
      name: 'rejects a short window that is not shorter than the long one (60m vs 1h)',
      file: 'short-not-shorter.yml',
      problems: [['burnRate.rules[0].short', 'must be shorter than long (1h)', 11]],
    },
    {
      name: 'rejects a period shorter than the longest burn-rate window',
      file: 'period-shorter-than-window.yml',
      problems: [['slos[0].period', 'must not be shorter than the longest burn-rate window', 4]],
    },
    { name: 'rejects an SLI with both events and raw', file: 'events-and-raw.yml', problems: [['slos[0].sli', 'needs exactly one of `events` or `raw`', 5]] },
    {
      name: 'rejects an SLI with neither events nor raw',
      file: 'neither-events-nor-raw.yml',
      problems: [['slos[0].sli', 'needs exactly one of `events` or `raw`', 4]],
    },
    {
      name: 'rejects two SLOs with the same name, pointing at the second',
      file: 'duplicate-slo-names.yml',
      problems: [['slos[1].name', 'duplicate SLO name "checkout"', 7]],
    },
    { name: 'rejects blockBelow above warnBelow', file: 'block-above-warn.yml', problems: [['budget.blockBelow', 'must not be above budget.warnBelow', 9]] },
    {
      name: 'lists every problem of a policy at once',
      file: 'many-problems.yml',
      problems: [
        ['mode', 'must be one of enforce, warn', 1],
        ['slos[0].objective', 'must be below 100', 4],
        ['slos[0].sli.events.errorQuery', 'must contain the {{.window}} placeholder', 7],
        ['slos[0].sli.events.totalQuery', 'is required', 7],
        ['comment', 'must be one of always, blocked, never', 8],
      ],
    },
    { name: 'rejects an empty file', file: 'empty.yml', problems: [['', 'the policy is empty', undefined]] },
    { name: 'rejects a file with only comments as empty', file: 'only-comments.yml', problems: [['', 'the policy is empty', undefined]] },
    { name: 'rejects a YAML list at the top level', file: 'top-level-list.yml', problems: [['', 'must be a YAML mapping', undefined]] },
    { name: 'rejects a scalar at the top level', file: 'top-level-scalar.yml', problems: [['', 'must be a YAML mapping', undefined]] },
    { name: 'rejects a duplicate key, pointing at the second one', file: 'duplicate-keys.yml', problems: [['', 'invalid YAML: Map keys must be unique', 8]] },
    { name: 'refuses to expand a billion-laughs alias bomb', file: 'evil-alias-bomb.yml', problems: [['', 'invalid YAML: more than 100 alias uses', 4]] },
    {
      name: 'refuses a !!js/function tag instead of running or dropping it',
      file: 'evil-js-function.yml',
      problems: [['', 'invalid YAML: Unresolved tag: tag:yaml.org,2002:js/function', 7]],
    },
    {
      name: 'rejects !!binary data where a comment setting belongs',
      file: 'evil-binary.yml',
      problems: [['comment', 'must be one of always, blocked, never', 7]],
    },
    {
      name: 'rejects a structure nested deeper than 16 levels',
      file: 'deeply-nested.yml',
      problems: [['', 'too deeply nested (at most 5000 values, 16 levels)', undefined]],
    },
  ])('$name', ({ file, problems }) => {
    expectProblems(problemsOf(fixture(file)), problems);
  });

  it.each([
    {
      name: 'gives the line of a mis-indented key',
      text: 'mode: enforce\nslos:\n  - name: checkout\n    objective: 99.9\n   period: 30d\n',
      line: 5,
      message: 'invalid YAML: ',
    },
    {
      name: 'gives the line of a tab used as indentation',
      text: 'mode: enforce\nslos:\n  - name: checkout\n\tobjective: 99.9\n',
      line: 4,
      message: 'Tabs are not allowed as indentation',
    },
  ])('$name', ({ text, line, message }) => {
    const [first] = problemsOf(text);
    expect(first).toEqual({ path: '', message: expect.stringContaining(message), line });
  });

  it.each([
    { name: 'rejects a stray {{ that the query renderer would refuse at evaluation time', query: 'sum(rate(errors[{{.window}}])) {{' },
    { name: 'rejects a placeholder split over two lines', query: '"sum(rate(errors[{{.window}}])) {{.foo\\n}}"' },
  ])('$name', ({ query }) => {
    const text = fixture('minimal.yml').replace(/errorQuery: .*/, `errorQuery: ${query}`);
    expectProblems(problemsOf(text), [['slos[0].sli.events.errorQuery', 'has a `{{` that is not a placeholder', 6]]);
  });

  it('reports an unclosed quote as invalid YAML with a line at or after the quote', () => {
    const [first, ...rest] = problemsOf(fixture('malformed.yml'));
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ path: '', message: 'invalid YAML: Missing closing "quote' });
    // The yaml library places this error where the input ends, not where the quote opens (line 7).
    expect(first?.line).toBeGreaterThanOrEqual(7);
  });

  it('names the key path and line in the error message itself', () => {
    expect(() => parsePolicyText(fixture('missing-window-placeholder.yml'))).toThrow(
      'slos[0].sli.events.totalQuery, line 7: must contain the {{.window}} placeholder, e.g. rate(x[{{.window}}])',
    );
  });
});

describe('parsePolicyText: hostile input', () => {
  const minimal = fixture('minimal.yml');

  it.each<{ name: string; text: () => string; problems: Expected[] }>([
    {
      name: 'rejects a file of 64 KiB and one byte before parsing it',
      text: () => `${minimal}#${'x'.repeat(64 * 1024 - Buffer.byteLength(minimal) - 1)}\n`,
      problems: [['', 'larger than 64 KiB', undefined]],
    },
    {
      name: 'measures the size in bytes, so 40,000 two-byte characters are too large',
      text: () => `${minimal}#${'é'.repeat(40_000)}\n`,
      problems: [['', 'larger than 64 KiB', undefined]],
    },
    {
      name: 'rejects more than 5,000 values',
      text: () => `${minimal}bypass:\n  labels: [${Array.from({ length: 6000 }, () => 'x').join(', ')}]\n`,
      problems: [['', 'too large or too deeply nested', undefined]],
    },
    {
      name: 'rejects a 50-level flow sequence as too deeply nested',
      text: () => `slos: ${'['.repeat(50)}${']'.repeat(50)}\n`,
      problems: [['', 'too deeply nested', undefined]],
    },
    {
      name: 'rejects a self-referencing alias without looping',
      text: () => 'a: &a [*a]\n',
      problems: [['', 'invalid YAML: an alias refers to a collection that contains it', 1]],
    },
    {
      name: 'rejects a mapping that aliases itself, which overflowed the stack in deepmerge',
      text: () => `x: &a { y: *a }\n${minimal}`,
      problems: [['', 'invalid YAML: an alias refers to a collection that contains it', 1]],
    },
    {
      name: 'rejects an alias to an anchor that is never defined',
      text: () => `${minimal}comment: *nowhere\n`,
      problems: [['', 'invalid YAML: an alias names no anchor defined before it', 8]],
    },
    {
      name: 'rejects a mapping used as a key',
      text: () => `${minimal}? { a: 1 }\n: x\n`,
      problems: [['', 'invalid YAML: a mapping key must be a plain value', 8]],
    },
    {
      name: 'keeps a __proto__ key as a key, reported as unknown, never as a prototype',
      text: () => `${minimal}__proto__: { mode: warn }\n`,
      problems: [['__proto__', 'unknown key', 8]],
    },
    {
      name: 'rejects a query longer than 4,000 characters',
      text: () => minimal.replace('sum(rate(http_requests_total{job="checkout"}', `sum(rate(${'x'.repeat(4000)}`),
      problems: [['slos[0].sli.events.totalQuery', 'must be at most 4000 characters', 7]],
    },
    {
      name: 'rejects _extends, which only the GitHub App resolves',
      text: () => `_extends: org/.github\n${minimal}`,
      problems: [['_extends', 'is resolved by the GitHub App only', 1]],
    },
  ])('$name', ({ text, problems }) => {
    expectProblems(problemsOf(text()), problems);
  });

  it('rejects 30,000 nested brackets as too deeply nested before the YAML parser recurses into them', () => {
    const started = performance.now();
    const problems = problemsOf(`slos: ${'['.repeat(30_000)}${']'.repeat(30_000)}\n`);
    expect(problems).toEqual([{ path: '', message: expect.stringContaining('too deeply nested') }]);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('still reads a policy whose queries nest brackets, as PromQL does', () => {
    const nested = `sum(rate(x{job="a"}[{{.window}}])) / ${'('.repeat(10)}sum(rate(y{job=~"[a-z]{2}"}[{{.window}}]))${')'.repeat(10)}`;
    expect(() => parsePolicyText(fixture('minimal.yml').replace(/errorQuery: .*/, `errorQuery: '${nested}'`))).not.toThrow();
  });
});

describe('validatePolicy: a policy already parsed by the config loader', () => {
  const nest = (depth: number): unknown => (depth === 0 ? 'x' : { level: nest(depth - 1) });

  it.each<{ name: string; raw: unknown; problems: Expected[] }>([
    { name: 'rejects null (an empty file)', raw: null, problems: [['', 'the policy is empty', undefined]] },
    { name: 'rejects an empty mapping', raw: {}, problems: [['', 'the policy is empty', undefined]] },
    { name: 'rejects a list', raw: [], problems: [['', 'must be a YAML mapping', undefined]] },
    { name: 'rejects a number', raw: 42, problems: [['', 'must be a YAML mapping', undefined]] },
    { name: 'rejects an object nested 20 levels deep', raw: { slos: nest(20) }, problems: [['', 'too deeply nested', undefined]] },
    { name: 'rejects an empty slos list', raw: { slos: [] }, problems: [['slos', 'must list at least one SLO', undefined]] },
    {
      name: 'rejects a null objective as the wrong type, not as missing',
      raw: { slos: [{ name: 'a', objective: null, sli: { raw: { errorRatioQuery: 'x[{{.window}}]' } } }] },
      problems: [['slos[0].objective', 'must be a number, not null', undefined]],
    },
  ])('$name', ({ raw, problems }) => {
    let thrown: unknown;
    try {
      validatePolicy(raw);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(PolicyError);
    expectProblems((thrown as PolicyError).problems, problems);
  });

  it('rejects a cyclic object without looping', () => {
    const raw: Record<string, unknown> = { slos: [] };
    raw.self = raw;
    expect(() => validatePolicy(raw)).toThrow(PolicyError);
  });
});

import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../src/policy/parse-policy.js';
import { globMatcher, globProblem, MAX_MATCH_STEPS, scopePolicy, selectSlos, usesPaths, type ChangedFiles } from '../../src/policy/paths.js';

const listed = (...files: string[]): ChangedFiles => ({ kind: 'listed', files });
const SLOS = [
  { name: 'checkout', paths: ['services/checkout/**'] },
  { name: 'search', paths: ['services/search/**', 'libs/search-*/**'] },
  { name: 'platform' },
];

describe('which SLOs gate a pull request (slos[].paths)', () => {
  it.each([
    ['a PR touching one service is gated by that service and the SLOs without paths', listed('services/checkout/api/handler.go'), ['checkout', 'platform']],
    ['a PR touching no gated path is gated only by the SLOs without paths', listed('README.md', 'docs/x.md'), ['platform']],
    ['a PR touching two services is gated by both', listed('services/search/a.go', 'services/checkout/b.go'), ['checkout', 'search', 'platform']],
    ['a renamed file counts under its old name too (the listing gives both)', listed('services/checkout/old.go', 'moved/old.go'), ['checkout', 'platform']],
    ['a dot file under a gated directory counts', listed('services/checkout/.env'), ['checkout', 'platform']],
    ['a directory with a longer name is not the gated one', listed('services/checkouts/x.go'), ['platform']],
    ['a PR with no changed files is gated only by the SLOs without paths', listed(), ['platform']],
  ])('%s', (_story, changed, applicable) => {
    expect(selectSlos(SLOS, changed).applicable).toEqual(applicable);
  });

  it('names the file and the glob that made each SLO apply, and why the others do not', () => {
    expect(selectSlos(SLOS, listed('README.md', 'libs/search-core/index.ts')).slos).toEqual([
      { slo: 'checkout', applies: false, because: 'no-match', files: 2 },
      { slo: 'search', applies: true, because: 'matched', file: 'libs/search-core/index.ts', glob: 'libs/search-*/**' },
      { slo: 'platform', applies: true, because: 'no-paths' },
    ]);
  });

  it.each(['too-many', 'unreadable'] as const)('gates on every SLO when the changed files are %s (fail closed)', (why) => {
    const scope = selectSlos(SLOS, { kind: 'unknown', why, detail: 'x' });
    expect(scope.applicable).toEqual(['checkout', 'search', 'platform']);
    expect(scope.failedClosed).toEqual({ kind: 'unknown', why, detail: 'x' });
    expect(scope.slos[0]).toEqual({ slo: 'checkout', applies: true, because: 'files-unknown' });
  });

  it('takes a path too long to match safely as matching (fail closed)', () => {
    expect(selectSlos(SLOS, listed(`deep/${'a/'.repeat(600)}x`)).applicable).toEqual(['checkout', 'search', 'platform']);
  });

  it('stops matching once its step budget is spent and lets the undecided SLOs apply', () => {
    const hostile = `${'a/'.repeat(500)}c`;
    const files = Array.from({ length: 3000 }, (_, i) => `${hostile}${i}`);
    const slos = [{ name: 'costly', paths: ['**/*a*/**/*a*/**/*a*/**/b'] }];
    const started = performance.now();
    expect(selectSlos(slos, listed(...files)).slos).toEqual([{ slo: 'costly', applies: true, because: 'too-costly' }]);
    expect(performance.now() - started).toBeLessThan(MAX_MATCH_STEPS / 1000); // well under 2 s
  });

  it('limits the policy to the SLOs that apply, keeping everything else', () => {
    const policy = { mode: 'enforce', slos: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] };
    expect(scopePolicy(policy, { applicable: ['c', 'a'] })).toEqual({ mode: 'enforce', slos: [{ name: 'a' }, { name: 'c' }] });
    expect(scopePolicy(policy, undefined)).toBe(policy);
  });

  it('needs the changed files only when some SLO has paths', () => {
    expect(usesPaths(SLOS)).toBe(true);
    expect(usesPaths([{}])).toBe(false);
  });
});

describe('glob matching', () => {
  it.each([
    ['services/checkout/**', 'services/checkout', true],
    ['services/checkout/**', 'services/checkout/a/b/c.go', true],
    ['**/*.md', 'README.md', true],
    ['**/*.md', 'docs/a/b.md', true],
    ['*.md', 'docs/b.md', false],
    ['{api,web}/**', 'web/index.ts', true],
    ['services/*/Dockerfile', 'services/x/Dockerfile', true],
    ['services/*/Dockerfile', 'services/x/y/Dockerfile', false],
    ['a/**/z', 'a/z', true],
    ['a/**/z', 'a/b/c/z', true],
    ['lib/[a-c]*.ts', 'lib/b2.ts', true],
    ['lib/[a-c]*.ts', 'lib/d.ts', false],
  ])('%s matches %s: %s', (glob, path, expected) => {
    expect(globProblem(glob)).toBeUndefined();
    expect(globMatcher(glob)(path)).toBe(expected);
  });

  it('matches a hostile glob on a hostile name in milliseconds, not minutes', () => {
    const started = performance.now();
    expect(globMatcher('*a*/*a*/b')(`${'a'.repeat(250)}/${'a'.repeat(250)}/${'a'.repeat(250)}c`)).toBe(false);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('slos[].paths in the policy', () => {
  const policy = (paths: unknown) => ({ slos: [{ name: 'checkout', objective: 99.9, paths, sli: { raw: { errorRatioQuery: 'sum(r[{{.window}}])' } } }] });
  const problems = (paths: unknown) => {
    const checked = checkPolicy(policy(paths));
    return checked.ok ? [] : checked.issues.map((i) => `${i.problem.path}: ${i.problem.message}`);
  };

  it('accepts a list of globs', () => {
    const checked = checkPolicy(policy(['services/checkout/**', 'libs/payments/**']));
    expect(checked.ok && checked.policy.slos[0]!.paths).toEqual(['services/checkout/**', 'libs/payments/**']);
  });

  it.each([
    ['[', String.raw`slos[0].paths[0]: is not a valid glob: Missing closing: "]" - use "\\]" to match literal characters`],
    ['/services/**', 'slos[0].paths[0]: is relative to the repository root: write `services/api/**`, not `/services/api/**`'],
    ['!docs/**', 'slos[0].paths[0]: is a negation, which is not supported: list the paths that should gate instead'],
    ['+(a|b)/**', 'slos[0].paths[0]: uses an extglob such as `+(a|b)`, which is not supported: write `{a,b}` instead'],
    ['{api/v1,web}/**', 'slos[0].paths[0]: has a `/` inside `{…}`: list each path as its own glob instead'],
    ['services/', 'slos[0].paths[0]: has an empty path segment (`//` or a trailing `/`): write `dir/**` for everything under a directory'],
    ['*a*a*/x', 'slos[0].paths[0]: has more than 2 `*` in the path segment "*a*a*"'],
    ['', 'slos[0].paths[0]: must not be empty'],
    ['x'.repeat(201), 'slos[0].paths[0]: must be at most 200 characters'],
  ])('refuses the glob %j with its key path', (glob, problem) => {
    expect(problems([glob])).toEqual([problem]);
  });

  it('refuses more than 50 globs, an empty list and a string instead of a list', () => {
    expect(problems(Array.from({ length: 51 }, (_, i) => `s${i}/**`))).toEqual(['slos[0].paths: must list at most 50 globs']);
    expect(problems([])).toEqual(['slos[0].paths: must list at least one glob; leave `paths` out for an SLO that applies to every change']);
    expect(problems('services/**')).toEqual(['slos[0].paths: must be an array, not string "services/**"']);
  });
});

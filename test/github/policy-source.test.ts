import { readFileSync } from 'node:fs';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubError } from '../../src/errors.js';
import { loadPolicy, type LoadedPolicy } from '../../src/github/policy-source.js';
import { parseBoundedYaml } from '../../src/policy/bounded-yaml.js';

const API = 'https://api.github.com';
const OWN = { owner: 'Codertocat', repo: 'Hello-World' };
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

const fixture = (name: string) => readFileSync(new URL(`../fixtures/policy/${name}`, import.meta.url), 'utf8');
const BASE = fixture('inherited/base.yml');
const MINIMAL = fixture('minimal.yml');

function octokit() {
  return new ProbotOctokit({ baseUrl: API, log: silent, retry: { enabled: false }, throttle: { enabled: false } });
}

const contentsPath = (repo: string) => `/repos/${repo}/contents/.github%2Fslo-gate.yml`;

/** `.github/slo-gate.yml` of `owner/repo` as GitHub's contents API answers it: JSON, base64, with its size. */
function file(repo: string, text: string, extra: Record<string, unknown> = {}) {
  nock(API)
    .get(contentsPath(repo))
    .reply(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(text), content: Buffer.from(text).toString('base64'), ...extra });
}

function answer(path: string, status: number) {
  nock(API)
    .get(path)
    .reply(status, { message: `HTTP ${status}` });
}

const noFile = (repo: string, status = 404) => answer(contentsPath(repo), status);

async function load(): Promise<LoadedPolicy> {
  return loadPolicy(octokit(), OWN);
}

async function problemsOf(): Promise<string[]> {
  const loaded = await load();
  if (loaded.kind !== 'invalid') throw new Error(`expected an invalid policy, got ${loaded.kind}`);
  return loaded.problems.map((p) => [p.path, p.line === undefined ? '' : `line ${p.line}`, p.message].filter(Boolean).join(' | '));
}

async function failureOf(): Promise<GitHubError> {
  const error = await load().then(
    (loaded) => new Error(`expected a read failure, got ${loaded.kind}`),
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GitHubError);
  return error as GitHubError;
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected GitHub request was made').toEqual([]);
});

describe('finding the policy', () => {
  it("reads a repository's own policy with exactly one request", async () => {
    file('Codertocat/Hello-World', MINIMAL);
    const loaded = await load();
    expect(loaded).toMatchObject({ kind: 'policy', policy: { slos: [{ name: 'checkout-availability' }] } });
  });

  it('falls back to the organisation default in <owner>/.github when the repository has none', async () => {
    noFile('Codertocat/Hello-World');
    file('Codertocat/.github', BASE);
    expect(await load()).toMatchObject({ kind: 'policy', policy: { budget: { warnBelow: 40 } } });
  });

  it.each([
    ['there is no .github repository', 404],
    ['the .github repository has no policy file', 200],
  ])('reports no policy when neither file exists and %s', async (_name, repoStatus) => {
    noFile('Codertocat/Hello-World');
    noFile('Codertocat/.github');
    answer('/repos/Codertocat/.github', repoStatus);
    expect(await load()).toEqual({ kind: 'none' });
  });

  it('does not look for an organisation default for the .github repository itself', async () => {
    noFile('Codertocat/.github');
    expect(await loadPolicy(octokit(), { owner: 'Codertocat', repo: '.github' })).toEqual({ kind: 'none' });
  });

  it('follows the organisation default’s own _extends', async () => {
    noFile('Codertocat/Hello-World');
    file('Codertocat/.github', '_extends: policies\nmode: warn\n');
    file('Codertocat/policies', BASE);
    expect(await load()).toMatchObject({ kind: 'policy', policy: { mode: 'warn', budget: { warnBelow: 40 } } });
  });
});

describe('reading a policy the app cannot see is never "no policy"', () => {
  it('fails with a GitHub error, not "none", when the repository’s own file answers 403', async () => {
    noFile('Codertocat/Hello-World', 403);
    const error = await failureOf();
    expect(error.status).toBe(403);
    expect(error.message).toMatch(/^GitHub: reading Codertocat\/Hello-World:\.github\/slo-gate\.yml failed \(HTTP 403\)/);
  });

  it('fails when the organisation default answers 500', async () => {
    noFile('Codertocat/Hello-World');
    noFile('Codertocat/.github', 500);
    expect((await failureOf()).message).toMatch(/^GitHub: reading Codertocat\/\.github:\.github\/slo-gate\.yml failed \(HTTP 500\)/);
  });

  it.each([403, 500])('fails when the organisation .github repository itself answers %i after its file answered 404', async (status) => {
    noFile('Codertocat/Hello-World');
    noFile('Codertocat/.github');
    answer('/repos/Codertocat/.github', status);
    expect((await failureOf()).status).toBe(status);
  });

  it('fails when the network does', async () => {
    nock(API).get(contentsPath('Codertocat/Hello-World')).replyWithError({ code: 'ECONNRESET', message: 'socket hang up' });
    expect((await failureOf()).message).toMatch(/^GitHub: reading Codertocat\/Hello-World:\.github\/slo-gate\.yml failed/);
  });

  it('fails when an _extends target answers 502', async () => {
    file('Codertocat/Hello-World', '_extends: base\n');
    noFile('Codertocat/base', 502);
    expect((await failureOf()).status).toBe(502);
  });
});

describe('_extends', () => {
  it('merges a chain of three files: the nearer file wins, mappings merge key by key, lists are replaced', async () => {
    file('Codertocat/Hello-World', '_extends: team\nbypass:\n  labels: [emergency]\nbudget:\n  blockBelow: 5\n');
    file('Codertocat/team', '_extends: Octocat-Org/base\nmode: warn\nbudget:\n  warnBelow: 30\n');
    file('Octocat-Org/base', BASE);
    const loaded = await load();
    expect(loaded.kind).toBe('policy');
    if (loaded.kind !== 'policy') return;
    expect(loaded.policy.mode).toBe('warn');
    expect(loaded.policy.budget).toMatchObject({ warnBelow: 30, blockBelow: 5 });
    expect(loaded.policy.bypass.labels).toEqual(['emergency']);
    expect(loaded.policy.slos.map((s) => s.name)).toEqual(['checkout-availability']);
  });

  it('accepts owner/repo:.github/slo-gate.yml, the one path it reads anyway', async () => {
    file('Codertocat/Hello-World', '_extends: Octocat-Org/base:.github/slo-gate.yml\n');
    file('Octocat-Org/base', BASE);
    expect((await load()).kind).toBe('policy');
  });

  it.each(['base:secrets/prod.yml', 'Octocat-Org/base:config/app.yaml', 'base:.github/other.yml'])(
    'refuses %s without reading it: only .github/slo-gate.yml is followed',
    async (value) => {
      file('Codertocat/Hello-World', `mode: warn\n_extends: ${value}\n`);
      expect(await problemsOf()).toEqual([
        '_extends | line 2 | may name only a repository (`repo` or `owner/repo`), whose .github/slo-gate.yml is read; no other file is followed',
      ]);
    },
  );

  it.each(['[a, b]', '"../../etc"', 'a/b/c', '..', '"-bad/repo"'])('refuses _extends: %s as not a repository', async (value) => {
    file('Codertocat/Hello-World', `_extends: ${value}\n`);
    expect(await problemsOf()).toEqual(['_extends | line 1 | must be a repository, `repo` or `owner/repo`']);
  });

  it('reports a missing _extends target as an invalid policy naming the target, not as "no policy"', async () => {
    file('Codertocat/Hello-World', MINIMAL.replace('slos:', '_extends: gone\nslos:'));
    noFile('Codertocat/gone');
    expect(await problemsOf()).toEqual([
      '_extends | line 1 | names `Codertocat/gone`, which has no .github/slo-gate.yml on its default branch, or which the App cannot read (install it there)',
    ]);
  });

  it('names the target an inherited file extends when that one is missing', async () => {
    file('Codertocat/Hello-World', '_extends: team\n');
    file('Codertocat/team', '_extends: gone\n');
    noFile('Codertocat/gone');
    expect(await problemsOf()).toEqual([
      'Codertocat/team:.github/slo-gate.yml (inherited): it extends `Codertocat/gone`, which has no .github/slo-gate.yml on its default branch, or which the App cannot read (install it there); fix that file',
    ]);
  });

  it('names the loop when files extend each other, reading each once', async () => {
    file('Codertocat/Hello-World', '_extends: team\n');
    file('Codertocat/team', '_extends: codertocat/hello-world\n');
    expect(await problemsOf()).toEqual([
      'Codertocat/team:.github/slo-gate.yml (inherited): its _extends loops: Codertocat/Hello-World → Codertocat/team → codertocat/hello-world; fix that file',
    ]);
  });

  it('names a repository that extends itself', async () => {
    file('Codertocat/Hello-World', '_extends: Hello-World\n');
    expect(await problemsOf()).toEqual(['_extends | line 1 | loops: Codertocat/Hello-World → Codertocat/Hello-World']);
  });

  it('stops a chain at three files without reading a fourth', async () => {
    file('Codertocat/Hello-World', '_extends: one\n');
    file('Codertocat/one', '_extends: two\n');
    file('Codertocat/two', '_extends: three\n');
    expect(await problemsOf()).toEqual([
      'Codertocat/two:.github/slo-gate.yml (inherited): its _extends makes a chain of more than 3 policy files (Codertocat/Hello-World → Codertocat/one → Codertocat/two → Codertocat/three); extend a policy that extends at most one other; fix that file',
    ]);
  });
});

describe('hostile files are bounded before they are parsed or merged', () => {
  it('refuses a 127 KiB file from its size alone, without decoding it', async () => {
    const started = performance.now();
    file('Codertocat/Hello-World', '', { size: 127 * 1024, content: '!!! not even base64 !!!' });
    expect(await problemsOf()).toEqual(['the policy file is larger than 64 KiB']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a file whose content is larger than the size GitHub gave', async () => {
    file('Codertocat/Hello-World', `${MINIMAL}#${'x'.repeat(70 * 1024)}\n`, { size: 100 });
    expect(await problemsOf()).toEqual(['the policy file is larger than 64 KiB']);
  });

  it('refuses a ~60 KiB file that aliases one large mapping many times, quickly', async () => {
    const keys = Array.from({ length: 1200 }, (_, i) => `  key${i}: value${i}`).join('\n');
    const uses = Array.from({ length: 2000 }, (_, i) => `u${i}: *big`).join('\n');
    const text = `big: &big\n${keys}\n${uses}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(40 * 1024);
    expect(Buffer.byteLength(text)).toBeLessThan(64 * 1024);
    parseBoundedYaml(text); // warm up the parser, so the time below is what every evaluation pays
    file('Codertocat/Hello-World', text);
    const started = performance.now();
    expect(await problemsOf()).toEqual(['the policy is too large or too deeply nested (at most 5000 values, 16 levels)']);
    // Expanded, the aliases would be 2.4 million values; bounded, the cost is one parse of the text.
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('refuses a billion-laughs alias bomb in an inherited file without expanding it', async () => {
    file('Codertocat/Hello-World', '_extends: base\n');
    file('Codertocat/base', fixture('evil-alias-bomb.yml'));
    expect(await problemsOf()).toEqual(['Codertocat/base:.github/slo-gate.yml (inherited): it uses YAML aliases more than 100 times (line 4); fix that file']);
  });

  it('refuses a mapping that aliases itself (x: &a { y: *a }) as invalid YAML, without a stack overflow', async () => {
    file('Codertocat/Hello-World', `x: &a { y: *a }\n${MINIMAL}`);
    expect(await problemsOf()).toEqual(['line 1 | invalid YAML: an alias refers to a collection that contains it, which would never end']);
  });

  it('refuses a directory where the policy file should be', async () => {
    nock(API)
      .get(contentsPath('Codertocat/Hello-World'))
      .reply(200, [{ type: 'file', name: 'a.yml' }]);
    expect(await problemsOf()).toEqual(['.github/slo-gate.yml is not a file']);
  });

  it('fails, rather than guessing, when GitHub answers a file without base64 content', async () => {
    file('Codertocat/Hello-World', MINIMAL, { encoding: 'none', content: '' });
    expect((await failureOf()).message).toMatch(/an unexpected answer/);
  });
});

describe('problems name the file they are in', () => {
  it('keeps key paths and lines for problems in the repository’s own file', async () => {
    file('Codertocat/Hello-World', '_extends: base\nmode: strict\n');
    file('Codertocat/base', BASE);
    expect(await problemsOf()).toEqual(['mode | line 2 | must be one of enforce, warn']);
  });

  it('blames the repository for a value it sets that clashes with an inherited one, with its line', async () => {
    file('Codertocat/Hello-World', '_extends: base\nbudget:\n  blockBelow: 50\n');
    file('Codertocat/base', BASE);
    expect(await problemsOf()).toEqual(['budget.blockBelow | line 3 | must not be above budget.warnBelow']);
  });

  it('never echoes keys or values from an inherited file: it names the file and counts the kinds of problem', async () => {
    file('Codertocat/Hello-World', '_extends: base\nmode: strict\n');
    file('Codertocat/base', fixture('inherited/leaks-secrets.yml'));
    const problems = await problemsOf();
    expect(problems).toEqual([
      'mode | line 2 | must be one of enforce, warn',
      'Codertocat/base:.github/slo-gate.yml (inherited): 2 problems: a value of the wrong type, an unknown key; fix that file',
    ]);
    expect(problems.join('\n')).not.toMatch(/stripe|sk_live|db-prod|99\.9%/);
  });

  it('does not quote the YAML parser on an inherited file, which can quote the file', async () => {
    noFile('Codertocat/Hello-World');
    file('Codertocat/.github', 'slos:\n  - name: x\n    objective: !!js/function "function () { return secret_token_value }"\n');
    const problems = await problemsOf();
    expect(problems).toEqual(['Codertocat/.github:.github/slo-gate.yml (inherited): it is not valid YAML (line 3); fix that file']);
  });

  it('blames the inherited file for a required key missing from an SLO it lists', async () => {
    file('Codertocat/Hello-World', '_extends: base\ncomment: never\n');
    file('Codertocat/base', 'slos:\n  - name: checkout\n    sli: { raw: { errorRatioQuery: "r[{{.window}}]" } }\n');
    expect(await problemsOf()).toEqual(['Codertocat/base:.github/slo-gate.yml (inherited): 1 problem: a missing required key; fix that file']);
  });

  it('reports an empty organisation default as an invalid policy, not as no policy', async () => {
    noFile('Codertocat/Hello-World');
    file('Codertocat/.github', '# TODO\n');
    expect(await problemsOf()).toEqual(['Codertocat/.github:.github/slo-gate.yml (inherited): the policy is empty: it needs at least `slos:`; fix that file']);
  });

  it('blames the repository for what no file sets, such as slos', async () => {
    file('Codertocat/Hello-World', '_extends: base\n');
    file('Codertocat/base', 'mode: warn\n');
    expect(await problemsOf()).toEqual(['slos | is required']);
  });
});

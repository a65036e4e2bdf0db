import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';

const git = promisify(execFile);

/** A monorepo checkout: two services, one ignored build directory, one untracked new service. */
let repo: string;
beforeAll(async () => {
  repo = await mkdtemp(join(tmpdir(), 'slo-gate-paths-'));
  await git('git', ['init', '-q', repo]);
  for (const file of ['services/checkout/main.go', 'services/search/main.go', 'build/services/ghost/x.go', 'services/new/README.md']) {
    await mkdir(join(repo, file, '..'), { recursive: true });
    await writeFile(join(repo, file), 'x\n');
  }
  await writeFile(join(repo, '.gitignore'), 'build/\n');
  await git('git', ['-C', repo, 'add', 'services/checkout', 'services/search', '.gitignore']);
});

const policy = (paths: string) => `slos:
  - name: checkout
    objective: 99.9
    paths: ${paths}
    sli: { raw: { errorRatioQuery: 'sum(ratio[{{.window}}])' } }
`;

async function validate(text: string, where = () => join(repo, '.github')) {
  await mkdir(where(), { recursive: true });
  const file = join(where(), 'slo-gate.yml');
  await writeFile(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['validate', file], { env: {}, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('slo-gate validate checks slos[].paths against the checkout', () => {
  it('accepts globs that match tracked and untracked files, and exits 0', async () => {
    const { code, err } = await validate(policy("['services/checkout/**', 'services/new/**']"));
    expect(err).toBe('');
    expect(code).toBe(0);
  });

  it('refuses a glob that matches no file, with its key path and line, and exits 2', async () => {
    const { code, err } = await validate(policy("['services/checkout/**', 'services/chekout/**', 'build/**']"));
    expect(code).toBe(2);
    expect(err).toContain('- slos[0].paths[1], line 4: matches no file in this checkout (git ls-files): check the spelling, or remove it');
    // An ignored directory is not part of the checkout's files either.
    expect(err).toContain('- slos[0].paths[2], line 4: matches no file in this checkout');
  });

  it('says it did not check the globs outside a git checkout, and still validates the rest', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'slo-gate-no-git-'));
    const { code, err } = await validate(policy("['services/chekout/**']"), () => outside);
    expect(code).toBe(0);
    expect(err).toMatch(/^note: slos\[\]\.paths not checked against files: .* is not in a git checkout$/);
  });
});

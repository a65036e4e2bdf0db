import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run, type CliIo } from '../../../src/cli.js';
import { fixture } from './support.js';

/** A repository checkout in a temporary directory, the working directory for the test. */
let repo: string;
let before: string;

beforeEach(() => {
  before = process.cwd();
  repo = mkdtempSync(join(tmpdir(), 'slo-gate-sources-'));
  mkdirSync(join(repo, 'slo'));
  mkdirSync(join(repo, '.github'));
  writeFileSync(join(repo, 'slo/checkout.yml'), fixture('sloth/checkout.yml'));
  writeFileSync(join(repo, 'slo/checkout-crd.yml'), fixture('sloth/checkout-crd.yml'));
  writeFileSync(join(repo, 'slo/checkout.yaml'), fixture('openslo/checkout.yaml'));
  writeFileSync(join(repo, 'slo/threshold.yaml'), fixture('openslo/threshold.yaml'));
  process.chdir(repo);
});

afterEach(() => {
  process.chdir(before);
  rmSync(repo, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { env: {}, out: (text) => out.push(text), err: (text) => err.push(text) };
  const code = await run(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('slo-gate validate with references', () => {
  it('reads the Sloth file relative to the repository root (the working directory)', async () => {
    writeFileSync('.github/slo-gate.yml', 'slos:\n  - name: checkout\n    sloth: { file: slo/checkout.yml, slo: requests-latency }\n');
    expect(await cli('validate')).toMatchObject({ code: 0, out: expect.stringContaining('.github/slo-gate.yml is valid: 1 SLO (checkout)') });
  });

  it('names a referenced file that is not there, with the key path and line', async () => {
    writeFileSync('.github/slo-gate.yml', 'slos:\n  - name: checkout\n    openslo: { file: slo/gone.yaml }\n');
    const { code, err } = await cli('validate');
    expect(code).toBe(2);
    expect(err).toContain('slos[0].openslo.file, line 3: slo/gone.yaml does not exist under');
  });

  it('refuses a referenced file larger than 64 KiB without reading it', async () => {
    writeFileSync('slo/big.yml', `# ${'x'.repeat(65 * 1024)}\n`);
    writeFileSync('.github/slo-gate.yml', 'slos:\n  - name: checkout\n    sloth: { file: slo/big.yml }\n');
    expect((await cli('validate')).err).toContain('slos[0].sloth.file, line 3: slo/big.yml is larger than 64 KiB');
  });
});

describe('slo-gate import', () => {
  it('prints a policy for every SLO of a Sloth file that validate accepts as it stands', async () => {
    const { code, out } = await cli('import', 'sloth', 'slo/checkout.yml');
    expect(code).toBe(0);
    expect(out).toContain(`slos:
  - name: checkout-requests-availability
    sloth:
      file: slo/checkout.yml
      slo: requests-availability
`);
    expect(out).toContain('  - name: checkout-requests-latency\n');
    writeFileSync('.github/slo-gate.yml', out);
    expect(await cli('validate')).toMatchObject({
      code: 0,
      out: expect.stringContaining('2 SLOs (checkout-requests-availability, checkout-requests-latency), mode warn'),
    });
  });

  it('imports every SLO of a Sloth CRD manifest, each named after its service', async () => {
    const { code, out } = await cli('import', 'sloth', './slo/checkout-crd.yml');
    expect(code).toBe(0);
    writeFileSync('.github/slo-gate.yml', out);
    expect((await cli('validate')).out).toContain('2 SLOs (checkout-requests-availability, search-queries-availability)');
  });

  it('imports OpenSLO SLOs with their rolling window as the period', async () => {
    const { code, out } = await cli('import', 'openslo', 'slo/checkout.yaml');
    expect(code).toBe(0);
    expect(out).toContain(
      '  - name: checkout-availability\n    period: 28d   # the OpenSLO timeWindow\n    openslo:\n      file: slo/checkout.yaml\n      name: checkout-availability\n',
    );
    writeFileSync('.github/slo-gate.yml', out);
    expect((await cli('validate')).out).toContain('2 SLOs (checkout-availability, checkout-errors)');
  });

  it('leaves out an SLO it cannot read, says why, and fails when nothing is left', async () => {
    const { code, out, err } = await cli('import', 'openslo', 'slo/threshold.yaml');
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('left out SLO "checkout-latency": slos[0].openslo: slo/threshold.yaml: SLO "checkout-latency": thresholdMetric is not supported');
  });

  it('says what the file is when it is of the other kind', async () => {
    const { code, err } = await cli('import', 'sloth', 'slo/checkout.yaml');
    expect(code).toBe(2);
    expect(err).toContain('slo/checkout.yaml holds no SLO slo-gate can read: it is not a Sloth file');
  });

  it.each([
    [['import'], 'import takes a format, sloth or openslo, and one FILE'],
    [['import', 'pyrra', 'slo/checkout.yml'], 'import takes a format, sloth or openslo, and one FILE'],
    [['import', 'sloth', '../outside.yml'], '../outside.yml must be a file inside the repository'],
    [['import', 'sloth', 'slo/missing.yml'], 'slo/missing.yml does not exist under'],
  ])('refuses %j with its usage', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err).toContain(message);
    expect(err).toContain('Usage:\n  slo-gate import sloth|openslo FILE');
  });

  it.each(['--help', '-h'])('answers %s with its usage and examples, exit 0', async (flag) => {
    const { code, out } = await cli('import', flag);
    expect(code).toBe(0);
    expect(out).toContain('slo-gate import sloth slo/checkout.yml > .github/slo-gate.yml');
  });
});

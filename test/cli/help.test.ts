import { describe, expect, it } from 'vitest';
import { COMMANDS, run } from '../../src/cli.js';

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // No metrics, no range source, no environment: help must answer before anything is read or sent.
  const code = await run(argv, { env: {}, out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const NAMES = Object.keys(COMMANDS);

describe('--help on every subcommand', () => {
  it('knows the subcommands the README documents, so a lost one fails here', () => {
    expect(NAMES).toEqual(expect.arrayContaining(['evaluate', 'backtest', 'validate']));
  });

  describe.each(NAMES)('slo-gate %s', (name) => {
    it.each(['--help', '-h'])(`prints its usage with examples for ${name} %s, and exits 0`, async (flag) => {
      const { code, out, err } = await cli([name, flag]);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage:\\n  slo-gate ${name}\\b`));
      expect(out).toMatch(/Examples:\n(\s+slo-gate .+\n)+/);
      expect(out).toMatch(/Exit status: 0 /);
      // Every example runs the command it documents.
      const examples = out
        .split('Examples:\n')[1]!
        .split('\n')
        .filter((line) => /^\s+slo-gate /.test(line));
      for (const example of examples) expect(example.trim().split(/\s+/)[1]).toBe(name);
    });

    it('answers --help after other options too, even ones it would refuse', async () => {
      const { code, out } = await cli([name, '--bogus', 'x', '--help']);
      expect(code).toBe(0);
      expect(out).toContain(`slo-gate ${name}`);
    });
  });

  it('does not take a --help that comes after -- as a request for help', async () => {
    const { code, err } = await cli(['validate', '--', '--help']);
    expect(code).toBe(2);
    expect(err).toMatch(/cannot read --help: ENOENT/);
  });
});

describe('slo-gate --help', () => {
  it.each([['--help'], ['-h'], ['help']])('lists every subcommand with %s, and exits 0', async (flag) => {
    const { code, out } = await cli([flag]);
    expect(code).toBe(0);
    for (const name of NAMES) expect(out).toContain(`\n  slo-gate ${name} `.trimEnd());
    expect(out).toContain('slo-gate COMMAND --help');
  });

  it('prints the same list and exits 2 when no command is given', async () => {
    const { code, out } = await cli([]);
    expect(code).toBe(2);
    expect(out).toContain('slo-gate validate');
  });

  it('refuses an unknown command, and a name that only exists on Object.prototype', async () => {
    for (const name of ['deploy', 'toString', '__proto__']) {
      const { code, err } = await cli([name]);
      expect(code).toBe(2);
      expect(err).toContain(`unknown command "${name}"`);
    }
  });
});

describe('a usage error', () => {
  it("shows the usage of the command it was made in, not every command's", async () => {
    const { code, err } = await cli(['backtest', '--bogus']);
    expect(code).toBe(2);
    expect(err).toContain("Unknown option '--bogus'");
    expect(err).toContain('slo-gate backtest [--policy FILE]');
    expect(err).not.toContain('slo-gate evaluate [');
  });
});

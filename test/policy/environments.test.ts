import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyProblem } from '../../src/errors.js';
import {
  environmentContext,
  findEnvironment,
  gatedEnvironmentsForBranch,
  policyForEnvironment,
  verifyAfterMs,
  verifyContext,
  waitForMs,
} from '../../src/policy/environments.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';

const SLOS = `slos:
  - name: checkout-availability
    objective: 99.9
    sli: { raw: { errorRatioQuery: 'checkout[{{.window}}]' } }
  - name: search-latency
    objective: 99
    sli: { raw: { errorRatioQuery: 'search[{{.window}}]' } }
`;

/** A policy with the two SLOs above and this `environments:` block (YAML, indented by two). */
const withEnvironments = (block: string) => `${SLOS}environments:\n${block}`;

const ISSUE_EXAMPLE = withEnvironments(`  production:
    slos: [checkout-availability]
    branch: main
    waitFor: 2h
    verify:
      after: [5m, 15m, 30m]
      regressionFactor: 5
`);

function problemsOf(text: string): PolicyProblem[] {
  try {
    parsePolicyText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error('expected the policy to be rejected');
}

/** The one problem a policy is rejected with: its path, line and a recognisable part of its message. */
function expectOneProblem(text: string, path: string, message: string, line?: number): void {
  expect(problemsOf(text)).toEqual([{ path, message: expect.stringContaining(message), line: line ?? expect.any(Number) }]);
}

describe('environments in the policy: valid', () => {
  it("reads the issue's production example exactly as written", () => {
    expect(parsePolicyText(ISSUE_EXAMPLE).environments).toEqual({
      production: { slos: ['checkout-availability'], branch: 'main', waitFor: '2h', verify: { after: ['5m', '15m', '30m'], regressionFactor: 5 } },
    });
  });

  it('gates on every SLO of the default branch, decides at once and verifies nothing when an environment lists no settings', () => {
    const policy = parsePolicyText(withEnvironments('  staging: {}\n'));
    expect(policy.environments).toEqual({ staging: { waitFor: '0' } });
    const staging = findEnvironment(policy, 'staging')!;
    expect(policyForEnvironment(policy, staging).slos.map((s) => s.name)).toEqual(['checkout-availability', 'search-latency']);
    expect(waitForMs(staging)).toBe(0);
    expect(verifyAfterMs(staging)).toEqual([]);
  });

  it('gates nothing when the policy has no environments', () => {
    const policy = parsePolicyText(SLOS);
    expect(policy.environments).toEqual({});
    expect(findEnvironment(policy, 'production')).toBeUndefined();
    expect(gatedEnvironmentsForBranch(policy, 'main', 'main')).toEqual([]);
  });

  it("accepts GitHub's own limits exactly: a 30-day wait, ten checks up to 24h, a 255-character name with spaces and slashes", () => {
    const name = `eu west/${'x'.repeat(247)}`;
    const after = ['1m', '2m', '3m', '4m', '5m', '10m', '15m', '30m', '1h', '24h'];
    const policy = parsePolicyText(withEnvironments(`  "${name}":\n    waitFor: 30d\n    verify: { after: [${after.join(', ')}], regressionFactor: 1.01 }\n`));
    const env = findEnvironment(policy, name)!;
    expect(env.name).toHaveLength(255);
    expect(waitForMs(env)).toBe(30 * 86_400_000);
    expect(verifyAfterMs(env)).toEqual([1, 2, 3, 4, 5, 10, 15, 30, 60, 1440].map((m) => m * 60_000));
  });

  it('accepts a wait of 0 written as a number or as 0s', () => {
    for (const zero of ['0', '0s', '"0"']) {
      expect(waitForMs(findEnvironment(parsePolicyText(withEnvironments(`  production: { waitFor: ${zero} }\n`)), 'production')!)).toBe(0);
    }
  });
});

describe('environments in the policy: problems with their key paths', () => {
  it('refuses a negative wait', () => {
    expectOneProblem(withEnvironments('  production: { waitFor: -1h }\n'), 'environments.production.waitFor', 'must not be negative', 9);
    expectOneProblem(withEnvironments('  production: { waitFor: -5 }\n'), 'environments.production.waitFor', 'must not be negative', 9);
  });

  it("refuses a wait longer than GitHub's 30 days", () => {
    expectOneProblem(withEnvironments('  production: { waitFor: 30d1s }\n'), 'environments.production.waitFor', 'must be at most 30d', 9);
    expectOneProblem(withEnvironments('  production: { waitFor: 5w }\n'), 'environments.production.waitFor', 'must be at most 30d', 9);
  });

  it('refuses a wait that is not a duration', () => {
    expectOneProblem(withEnvironments('  production: { waitFor: 2 hours }\n'), 'environments.production.waitFor', 'must be 0 or a Prometheus duration');
    expectOneProblem(withEnvironments('  production: { waitFor: 7200 }\n'), 'environments.production.waitFor', 'must be 0 or a Prometheus duration');
  });

  it('points at the first check that is not later than the one before it', () => {
    expectOneProblem(
      withEnvironments('  production:\n    verify: { after: [15m, 5m, 30m] }\n'),
      'environments.production.verify.after[1]',
      'before it (15m)',
      10,
    );
    expectOneProblem(
      withEnvironments('  production:\n    verify: { after: [5m, 5m] }\n'),
      'environments.production.verify.after[1]',
      'later than the check before it',
    );
  });

  it('refuses more than ten checks', () => {
    const after = Array.from({ length: 11 }, (_, i) => `${i + 1}m`).join(', ');
    expectOneProblem(withEnvironments(`  production:\n    verify: { after: [${after}] }\n`), 'environments.production.verify.after', 'at most 10 checks');
  });

  it('refuses a check at 0, before the deployment, or more than a day after it', () => {
    expectOneProblem(withEnvironments('  production:\n    verify: { after: [0s] }\n'), 'environments.production.verify.after[0]', 'above 0');
    expectOneProblem(withEnvironments('  production:\n    verify: { after: [-5m] }\n'), 'environments.production.verify.after[0]', 'above 0');
    expectOneProblem(withEnvironments('  production:\n    verify: { after: [5m, 24h1m] }\n'), 'environments.production.verify.after[1]', 'at most 24h');
  });

  it('refuses a verify block without checks', () => {
    expectOneProblem(withEnvironments('  production:\n    verify: { after: [] }\n'), 'environments.production.verify.after', 'at least one check');
    expectOneProblem(withEnvironments('  production:\n    verify: { regressionFactor: 3 }\n'), 'environments.production.verify.after', 'is required');
  });

  it('refuses a regression factor of 1 or less, which would flag a deployment for burning as before', () => {
    expectOneProblem(
      withEnvironments('  production:\n    verify: { after: [5m], regressionFactor: 1 }\n'),
      'environments.production.verify.regressionFactor',
      'must be above 1',
    );
    expectOneProblem(
      withEnvironments('  production:\n    verify: { after: [5m], regressionFactor: "5" }\n'),
      'environments.production.verify.regressionFactor',
      'must be a number',
    );
  });

  it('refuses an SLO the policy does not define, and one listed twice', () => {
    expectOneProblem(withEnvironments('  production: { slos: [checkout] }\n'), 'environments.production.slos[0]', 'names no SLO of this policy: "checkout"', 9);
    expectOneProblem(
      withEnvironments('  production: { slos: [search-latency, search-latency] }\n'),
      'environments.production.slos[1]',
      'lists "search-latency" twice',
    );
  });

  it('refuses two environments whose names differ only in case, as GitHub treats them as one', () => {
    expectOneProblem(
      withEnvironments('  production: {}\n  Production: { waitFor: 1h }\n'),
      'environments.Production',
      'names the same GitHub environment as "production"',
      10,
    );
  });

  it('refuses environment names GitHub cannot have or that would forge text: too long, control or invisible characters, padded', () => {
    expectOneProblem(withEnvironments(`  "${'p'.repeat(256)}": {}\n`), `environments.${'p'.repeat(256)}`, 'at most 255 characters');
    expectOneProblem(withEnvironments('  "prod\\nuction": {}\n'), 'environments.prod\nuction', 'control or invisible characters: "prod\\u{A}uction"');
    expectOneProblem(
      withEnvironments('  "prod\\u200Buction": {}\n'),
      'environments.prod\u200Buction',
      'control or invisible characters: "prod\\u{200B}uction"',
    );
    expectOneProblem(withEnvironments('  " production": {}\n'), 'environments. production', 'must not start or end with white space');
    expectOneProblem(withEnvironments('  "": {}\n'), 'environments.', 'must not be empty');
  });

  it('refuses an environment called __proto__ instead of silently dropping it', () => {
    expectOneProblem(withEnvironments('  __proto__: { waitFor: 1h }\n'), 'environments.__proto__', 'is not a usable environment name');
  });

  it('refuses a branch written as a ref or that git would not accept', () => {
    expectOneProblem(withEnvironments('  production: { branch: refs/heads/main }\n'), 'environments.production.branch', 'without refs/heads/');
    expectOneProblem(withEnvironments('  production: { branch: "release..2" }\n'), 'environments.production.branch', 'not a valid git branch name');
    expectOneProblem(withEnvironments('  production: { branch: "main branch" }\n'), 'environments.production.branch', 'not a valid git branch name');
  });

  it('refuses unknown keys and a list in place of the mapping', () => {
    expectOneProblem(withEnvironments('  production: { wait: 1h }\n'), 'environments.production.wait', 'unknown key', 9);
    expectOneProblem(`${SLOS}environments: [production]\n`, 'environments', 'must be a mapping of GitHub environment names', 8);
    expectOneProblem(`${SLOS}environments: production\n`, 'environments', 'must be a mapping of GitHub environment names', 8);
  });

  it('refuses more than 50 environments', () => {
    const block = Array.from({ length: 51 }, (_, i) => `  env-${i}: {}\n`).join('');
    expectOneProblem(withEnvironments(block), 'environments', 'at most 50 environments');
  });
});

describe('environment helpers', () => {
  const policy = parsePolicyText(
    withEnvironments(`  Production:
    slos: [checkout-availability]
    waitFor: 2h
    verify: { after: [5m, 15m] }
  staging:
    branch: develop
  canary: {}
`),
  );

  it('finds an environment whatever the case GitHub sends its name in, under the name the policy gives it', () => {
    expect(findEnvironment(policy, 'production')?.name).toBe('Production');
    expect(findEnvironment(policy, 'PRODUCTION')?.config.waitFor).toBe('2h');
    expect(findEnvironment(policy, 'qa')).toBeUndefined();
  });

  it("keeps only the environment's SLOs and everything else of the policy", () => {
    const gated = policyForEnvironment(policy, findEnvironment(policy, 'production')!);
    expect(gated.slos.map((s) => s.name)).toEqual(['checkout-availability']);
    expect({ ...gated, slos: policy.slos }).toEqual(policy);
  });

  it('lists the environments deployed from a branch: those naming it, and those naming none on the default branch', () => {
    expect(gatedEnvironmentsForBranch(policy, 'main', 'main').map((e) => e.name)).toEqual(['Production', 'canary']);
    expect(gatedEnvironmentsForBranch(policy, 'develop', 'main').map((e) => e.name)).toEqual(['staging']);
    expect(gatedEnvironmentsForBranch(policy, 'Main', 'main')).toEqual([]);
  });

  it('turns the wait and the checks into milliseconds', () => {
    const production = findEnvironment(policy, 'production')!;
    expect(waitForMs(production)).toBe(7_200_000);
    expect(verifyAfterMs(production)).toEqual([300_000, 900_000]);
  });

  it("names the environment's statuses after the policy's context", () => {
    const production = findEnvironment(policy, 'production')!;
    expect(environmentContext(policy, production)).toBe('slo-gate/Production');
    expect(verifyContext({ context: 'reliability' }, production)).toBe('reliability/Production/verify');
  });
});

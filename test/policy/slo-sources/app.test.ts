import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubError } from '../../../src/errors.js';
import { loadPolicy } from '../../../src/github/policy-source.js';
import { HEALTHY, fakeMetrics } from '../../support/fake-metrics.js';
import { REPO, gitHub } from '../../support/github-nock.js';
import { createTestProbot, pullRequestPayload, settleApps } from '../../support/probot.js';
import { fixture } from './support.js';

/** A Sloth file whose raw SLI the fake metrics answer per window (`ratio[5m]` …). */
const SLOTH = `version: prometheus/v1
service: checkout
slos:
  - name: requests-availability
    objective: 99.9
    sli:
      raw:
        error_ratio_query: ratio[{{.window}}]
`;

const POLICY = `
slos:
  - name: checkout-availability
    sloth: { file: slo/checkout.yml, slo: requests-availability }
burnRate:
  rules:
    - { name: fast, long: 1h, short: 5m, factor: 14.4 }
    - { name: slow, long: 6h, short: 30m, factor: 6 }
`;

const SLO_PATH = `${REPO}/contents/slo%2Fcheckout.yml`;

/** A file on the default branch as GitHub's contents API answers it: JSON, base64, with its size. */
function contents(text: string, size = Buffer.byteLength(text)) {
  return { type: 'file', encoding: 'base64', size, name: 'checkout.yml', path: 'slo/checkout.yml', content: Buffer.from(text).toString('base64') };
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(async () => {
  await settleApps();
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected GitHub request was made').toEqual([]);
});

describe('the app reads the Sloth file a policy points at', () => {
  it('gates a PR on the SLO the Sloth file defines, read from the default branch', async () => {
    const gh = gitHub().token().policy(POLICY);
    gh.scope.get(SLO_PATH).reply(200, contents(SLOTH));
    gh.status().comments();
    const metrics = fakeMetrics(HEALTHY);
    const probot = await createTestProbot(metrics);
    await probot.receive({ id: 'delivery-1', name: 'pull_request', payload: pullRequestPayload('opened') } as never);
    expect(gh.recorded.statuses).toEqual([{ state: 'success', context: 'slo-gate', description: 'OK: 50% of error budget left, highest burn 0.5×' }]);
    expect(metrics.queries).toContain('ratio[30d]');
  });

  it('sets `error` and lists the problem when the Sloth file is missing from the default branch', async () => {
    const gh = gitHub().token().policy(POLICY);
    gh.scope.get(SLO_PATH).reply(404, { message: 'Not Found' });
    gh.status().comments().createComment();
    const probot = await createTestProbot(fakeMetrics(HEALTHY));
    await probot.receive({ id: 'delivery-1', name: 'pull_request', payload: pullRequestPayload('opened') } as never);
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['error']);
    expect(gh.recorded.created[0]).toContain(
      '- `slos[0].sloth.file` (line 4): slo/checkout.yml does not exist on the default branch of Codertocat/Hello-World, or the App cannot read it\n',
    );
  });
});

describe('loading a policy with references (GitHub contents API)', () => {
  const API = 'https://api.github.com';
  const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const octokit = () => new ProbotOctokit({ baseUrl: API, log: silent, retry: { enabled: false }, throttle: { enabled: false } });
  const OWN = { owner: 'Codertocat', repo: 'Hello-World' };
  const policyFile = (text: string) => nock(API).get(`${REPO}/contents/.github%2Fslo-gate.yml`).reply(200, contents(text));

  async function problems(): Promise<string[]> {
    const loaded = await loadPolicy(octokit(), OWN);
    if (loaded.kind !== 'invalid') throw new Error(`expected an invalid policy, got ${loaded.kind}`);
    return loaded.problems.map((p) => `${p.path}: ${p.message}`);
  }

  it('reads each referenced file once, however many SLOs name it', async () => {
    policyFile(`slos:
  - name: a
    period: 28d
    openslo: { file: slo/checkout.yaml, name: checkout-availability }
  - name: b
    openslo: { file: slo/checkout.yaml, name: checkout-errors }
`);
    nock(API)
      .get(`${REPO}/contents/slo%2Fcheckout.yaml`)
      .reply(200, contents(fixture('openslo/checkout.yaml')));
    const loaded = await loadPolicy(octokit(), OWN);
    expect(loaded.kind === 'policy' && loaded.policy.slos.map((s) => [s.name, s.objective])).toEqual([
      ['a', 99.9],
      ['b', 99.5],
    ]);
  });

  it('refuses a file larger than 64 KiB by the size GitHub states, before decoding it', async () => {
    policyFile(POLICY);
    nock(API)
      .get(SLO_PATH)
      .reply(200, contents('version: prometheus/v1\n', 65 * 1024 + 1));
    expect(await problems()).toEqual(['slos[0].sloth.file: slo/checkout.yml is larger than 64 KiB']);
  });

  it('refuses a directory', async () => {
    policyFile(POLICY);
    nock(API)
      .get(SLO_PATH)
      .reply(200, [{ type: 'file', name: 'a.yml' }]);
    expect(await problems()).toEqual(['slos[0].sloth.file: slo/checkout.yml is not a file']);
  });

  it('fails closed (a GitHubError, so an `error` status) when GitHub cannot answer for the file', async () => {
    policyFile(POLICY);
    nock(API).get(SLO_PATH).reply(502, { message: 'Bad Gateway' });
    await expect(loadPolicy(octokit(), OWN)).rejects.toBeInstanceOf(GitHubError);
  });

  it('asks for nothing more when no SLO references a file', async () => {
    policyFile('slos:\n  - name: a\n    objective: 99\n    sli: { raw: { errorRatioQuery: "x[{{.window}}]" } }\n');
    expect((await loadPolicy(octokit(), OWN)).kind).toBe('policy');
  });

  it('reads an inherited policy’s references from the repository that lists the SLOs, and sums up its problems without quoting it', async () => {
    policyFile('_extends: platform\nmode: warn\n');
    nock(API).get('/repos/Codertocat/platform/contents/.github%2Fslo-gate.yml').reply(200, contents(POLICY));
    nock(API).get('/repos/Codertocat/platform/contents/slo%2Fcheckout.yml').reply(404, { message: 'Not Found' });
    expect(await problems()).toEqual([': Codertocat/platform:.github/slo-gate.yml (inherited): 1 problem: a missing required key; fix that file']);
  });
});

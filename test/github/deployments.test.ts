import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitHubError } from '../../src/errors.js';
import { deploymentsGitHub, MAX_REVIEW_COMMENT, parseCallbackUrl } from '../../src/github/deployments.js';

const API = 'https://api.github.com';
const REPO = '/repos/Codertocat/Hello-World';
const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

function adapter() {
  const octokit = new ProbotOctokit({ auth: { token: 'ghs_test' }, retry: { enabled: false }, throttle: { enabled: false } });
  return deploymentsGitHub(octokit, { owner: 'Codertocat', repo: 'Hello-World' });
}

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  expect(pending, 'requests the test expected but the adapter never made').toEqual([]);
});

describe('deciding a protection-rule request', () => {
  it('approves through the API base with the environment, the state and the comment', async () => {
    const bodies: unknown[] = [];
    nock(API)
      .post(`${REPO}/actions/runs/4242/deployment_protection_rule`, (body) => bodies.push(body) > 0)
      .reply(204);
    await adapter().reviewProtectionRule(4242, 'production', 'approved', '🟢 slo-gate: the error budget is healthy');
    expect(bodies).toEqual([{ environment_name: 'production', state: 'approved', comment: '🟢 slo-gate: the error budget is healthy' }]);
  });

  it('rejects the same way', async () => {
    const bodies: unknown[] = [];
    nock(API)
      .post(`${REPO}/actions/runs/4242/deployment_protection_rule`, (body) => bodies.push(body) > 0)
      .reply(204);
    await adapter().reviewProtectionRule(4242, 'production', 'rejected', 'blocked');
    expect(bodies).toEqual([{ environment_name: 'production', state: 'rejected', comment: 'blocked' }]);
  });

  it('reports progress while waiting as a review without a state', async () => {
    const bodies: unknown[] = [];
    nock(API)
      .post(`${REPO}/actions/runs/4242/deployment_protection_rule`, (body) => bodies.push(body) > 0)
      .reply(204);
    await adapter().reportProgress(4242, 'production', 'Waiting: checkout burns 20×');
    expect(bodies).toEqual([{ environment_name: 'production', comment: 'Waiting: checkout burns 20×' }]);
  });

  it("cuts a comment over GitHub's 1024 characters rather than lose the decision", async () => {
    let sent = '';
    nock(API)
      .post(`${REPO}/actions/runs/1/deployment_protection_rule`, (body: { comment: string }) => {
        sent = body.comment;
        return true;
      })
      .reply(204);
    await adapter().reviewProtectionRule(1, 'production', 'rejected', '🔥'.repeat(1000));
    expect(sent.length).toBeLessThanOrEqual(MAX_REVIEW_COMMENT);
    expect(sent.endsWith('🔥…')).toBe(true);
  });

  it('names the operation and the HTTP status when GitHub refuses the decision', async () => {
    nock(API).post(`${REPO}/actions/runs/4242/deployment_protection_rule`).reply(422, { message: 'No pending deployment protection rule' });
    const failure = adapter().reviewProtectionRule(4242, 'production', 'approved', 'ok');
    await expect(failure).rejects.toBeInstanceOf(GitHubError);
    await expect(failure).rejects.toThrow(
      'GitHub: approving the deployment of run 4242 to production failed (HTTP 422): No pending deployment protection rule',
    );
  });
});

describe('what the deployment gate reads from GitHub', () => {
  it('lists the pull requests that brought a commit', async () => {
    nock(API)
      .get(`${REPO}/commits/${SHA}/pulls`)
      .query({ per_page: 100 })
      .reply(200, [{ number: 7, state: 'closed', merged_at: '2026-11-22T09:00:00Z', base: { ref: 'main' } }]);
    expect(await adapter().pullsForCommit(SHA)).toEqual([{ number: 7, state: 'closed', mergedAt: '2026-11-22T09:00:00Z', baseRef: 'main' }]);
  });

  it('finds no pull requests for a commit that no longer exists', async () => {
    nock(API)
      .get(`${REPO}/commits/${SHA}/pulls`)
      .query(true)
      .reply(422, { message: `No commit found for SHA: ${SHA}` });
    expect(await adapter().pullsForCommit(SHA)).toEqual([]);
  });

  it('lets a server error through as a GitHubError', async () => {
    nock(API).get(`${REPO}/commits/${SHA}/pulls`).query(true).reply(502, { message: 'Bad Gateway' });
    await expect(adapter().pullsForCommit(SHA)).rejects.toThrow('GitHub: listing the pull requests of ec26c3e failed (HTTP 502)');
  });

  it('comments on a pull request and returns the comment id', async () => {
    const bodies: unknown[] = [];
    nock(API)
      .post(`${REPO}/issues/7/comments`, (body) => bodies.push(body) > 0)
      .reply(201, { id: 99 });
    expect(await adapter().commentOnPull(7, 'regression')).toBe(99);
    expect(bodies).toEqual([{ body: 'regression' }]);
  });

  it("reads a branch's newest commit and its committer date", async () => {
    nock(API)
      .get(`${REPO}/branches/main`)
      .reply(200, { name: 'main', commit: { sha: SHA, commit: { committer: { date: '2026-11-22T09:30:00Z' }, author: { date: '2026-11-22T09:00:00Z' } } } });
    expect(await adapter().branchHead('main')).toEqual({ sha: SHA, at: '2026-11-22T09:30:00Z' });
  });

  it('reads a branch whose name has a slash', async () => {
    nock(API)
      .get(`${REPO}/branches/release%2F2026`)
      .reply(200, { name: 'release/2026', commit: { sha: SHA, commit: { committer: { date: '2026-11-22T09:30:00Z' } } } });
    expect(await adapter().branchHead('release/2026')).toEqual({ sha: SHA, at: '2026-11-22T09:30:00Z' });
  });

  it('finds no head for a branch that does not exist', async () => {
    nock(API).get(`${REPO}/branches/gone`).reply(404, { message: 'Branch not found' });
    expect(await adapter().branchHead('gone')).toBeUndefined();
  });
});

describe('parseCallbackUrl: the run id of a protection-rule request, never a place to send anything', () => {
  const callback = (base: string, runId: string | number = 4242) => `${base}/repos/Codertocat/Hello-World/actions/runs/${runId}/deployment_protection_rule`;

  it('reads the run id and repository of a callback on the API base', () => {
    expect(parseCallbackUrl(callback(API), API)).toEqual({ runId: 4242, repository: 'Codertocat/Hello-World', foreignHost: false });
  });

  it('reads a GitHub Enterprise Server callback under the /api/v3 prefix', () => {
    const base = 'https://ghe.example.com/api/v3';
    expect(parseCallbackUrl(callback(base), `${base}/`)).toEqual({ runId: 4242, repository: 'Codertocat/Hello-World', foreignHost: false });
  });

  it('calls a callback on another host, scheme, port or prefix foreign, and still reads its run id', () => {
    for (const base of ['https://evil.example', 'http://api.github.com', 'https://api.github.com:8443', 'https://api.github.com.evil.example']) {
      expect(parseCallbackUrl(callback(base), API), base).toEqual({ runId: 4242, repository: 'Codertocat/Hello-World', foreignHost: true });
    }
    expect(parseCallbackUrl(callback('https://ghe.example.com'), 'https://ghe.example.com/api/v3')).toMatchObject({ foreignHost: true });
    expect(parseCallbackUrl(callback('https://user:pw@api.github.com'), API)).toMatchObject({ foreignHost: true });
  });

  it('says what is wrong with a missing, malformed or runless callback URL', () => {
    expect(parseCallbackUrl(undefined, API)).toEqual({ problem: 'the request has no deployment_callback_url' });
    expect(parseCallbackUrl(42, API)).toEqual({ problem: 'the request has no deployment_callback_url' });
    expect(parseCallbackUrl('not a url', API)).toEqual({ problem: 'the deployment_callback_url is not a URL: "not a url"' });
    expect(parseCallbackUrl(callback(API, 'abc'), API)).toMatchObject({ problem: expect.stringContaining('names no workflow run') });
    expect(parseCallbackUrl(callback(API, 0), API)).toMatchObject({ problem: expect.stringContaining('names no workflow run') });
    expect(parseCallbackUrl(callback(API, '99999999999999999'), API)).toMatchObject({ problem: expect.stringContaining('names no workflow run') });
    expect(parseCallbackUrl(`${API}/repos/a/b/actions/runs/1/approve`, API)).toMatchObject({ problem: expect.stringContaining('names no workflow run') });
    expect(parseCallbackUrl(`${callback(API)}?x=${'a'.repeat(2100)}`, API)).toEqual({ problem: 'the deployment_callback_url is longer than 2048 characters' });
  });
});

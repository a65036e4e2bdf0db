import nock from 'nock';
import { INSTALLATION_ID } from './probot.js';

const REPO = '/repos/Codertocat/Hello-World';

interface FakePull {
  number: number;
  sha: string;
  state: string;
  updatedAt: string;
}

/**
 * A stateful GitHub behind nock for tests with several app instances: it keeps comments, records
 * every status and every request, and serves the policy and pull requests. Interceptors persist.
 */
export function fakeGitHub(policy: string, pulls: FakePull[]) {
  const comments: Array<{ id: number; issue: number; body: string }> = [];
  const statuses: Array<{ sha: string; state: string; description: string; context: string }> = [];
  const requests: string[] = [];
  const scope = nock('https://api.github.com').persist();
  const seen = (method: string, path: string) => requests.push(`${method} ${path.split('?')[0]}`);

  scope.post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
  scope.get('/app').reply(function () {
    seen('GET', this.req.path);
    return [200, { id: 1, slug: 'slo-gate' }]; // the bot login is `slo-gate[bot]`
  });
  scope.get(`${REPO}/contents/.github%2Fslo-gate.yml`).reply(function () {
    seen('GET', this.req.path);
    const content = Buffer.from(policy).toString('base64');
    return [200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(policy), name: 'slo-gate.yml', path: '.github/slo-gate.yml', content }];
  });
  scope.post(/\/statuses\/\w+$/).reply(function (path, body: any) {
    seen('POST', path);
    statuses.push({ sha: path.split('/').pop()!, state: body.state, description: body.description, context: body.context });
    return [201, {}];
  });
  // The combined status: the newest status of each context on the commit, as re-checks read it.
  scope.get(/\/commits\/\w+\/status/).reply(function (path) {
    seen('GET', path);
    const sha = /commits\/(\w+)\/status/.exec(path)![1];
    const newest = new Map(statuses.filter((s) => s.sha === sha).map((s) => [s.context, s]));
    return [200, { sha, state: 'pending', statuses: [...newest.values()].map(({ context, state, description }) => ({ context, state, description })) }];
  });
  scope.get(/\/issues\/\d+\/comments/).reply(function (path) {
    seen('GET', path);
    const issue = Number(/issues\/(\d+)\//.exec(path)![1]);
    return [200, comments.filter((c) => c.issue === issue).map((c) => ({ id: c.id, body: c.body, user: { login: 'slo-gate[bot]', type: 'Bot' } }))];
  });
  scope.post(/\/issues\/\d+\/comments$/).reply(function (path, body: any) {
    seen('POST', path);
    const comment = { id: comments.length + 1, issue: Number(/issues\/(\d+)\//.exec(path)![1]), body: body.body };
    comments.push(comment);
    return [201, { id: comment.id }];
  });
  scope.patch(/\/issues\/comments\/\d+$/).reply(function (path, body: any) {
    seen('PATCH', path);
    const comment = comments.find((c) => c.id === Number(path.split('/').pop()));
    if (!comment) return [404, { message: 'Not Found' }];
    comment.body = body.body;
    return [200, { id: comment.id }];
  });
  // A pull request's changed files: none (not counted in `requests`: read once per head, beside the gate's own requests).
  scope.get(/\/pulls\/\d+\/files/).reply(200, []);
  scope.get(/\/pulls\/\d+$/).reply(function (path) {
    seen('GET', path);
    const pull = pulls.find((p) => p.number === Number(path.split('/').pop()));
    if (!pull) return [404, { message: 'Not Found' }];
    return [200, { number: pull.number, state: pull.state, updated_at: pull.updatedAt, head: { sha: pull.sha }, labels: [] }];
  });

  return {
    comments,
    statuses,
    requests,
    count: (prefix: string) => requests.filter((r) => r.startsWith(prefix)).length,
    done: () => {
      scope.persist(false);
      nock.cleanAll();
    },
  };
}

import nock from 'nock';
import { INSTALLATION_ID } from './probot.js';

export const REPO = '/repos/Codertocat/Hello-World';
export const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

/** Records what the app sends GitHub, so tests assert the exact writes. */
export interface Recorded {
  statuses: Array<{ state: string; description: string; context: string }>;
  statusShas: string[];
  created: string[];
  updated: Array<{ id: number; body: string }>;
  reactions: Array<{ commentId: number; content: string }>;
}

export function gitHub(baseUrl = 'https://api.github.com') {
  const scope = nock(baseUrl);
  const recorded: Recorded = { statuses: [], statusShas: [], created: [], updated: [], reactions: [] };
  let appAsked = false;
  // Each pull request head's changed files are read once (slos[].paths, the policy preview): none, unless a test says `files()`.
  let noFiles: nock.Interceptor | undefined;
  let filesGiven = false;
  const api = {
    scope,
    recorded,
    token() {
      scope
        .post(`/app/installations/${INSTALLATION_ID}/access_tokens`)
        .reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: { statuses: 'write' } });
      if (!filesGiven && !noFiles) {
        noFiles = scope.get(`${REPO}/pulls/2/files`).query({ per_page: 100 }).optionally();
        noFiles.reply(200, []);
      }
      return api;
    },
    /**
     * The pull request's changed files, as GitHub pages them (100 a page, `Link: rel="next"`), or the
     * status GitHub fails with; replaces the default of no changed files. A renamed file is `[new, old]`.
     */
    files(files: Array<string | [string, string]> | number) {
      filesGiven = true;
      if (noFiles) nock.removeInterceptor(noFiles);
      noFiles = undefined;
      const path = `${REPO}/pulls/2/files`;
      if (typeof files === 'number') {
        scope.get(path).query({ per_page: 100 }).reply(files, { message: 'Server Error' });
        return api;
      }
      const entries = files.map((f) =>
        typeof f === 'string' ? { filename: f, status: 'modified' } : { filename: f[0], previous_filename: f[1], status: 'renamed' },
      );
      const pages = Math.max(1, Math.ceil(entries.length / 100));
      for (let page = 1; page <= pages; page++) {
        const next = page < pages ? { link: `<https://api.github.com${path}?per_page=100&page=${page + 1}>; rel="next"` } : undefined;
        scope
          .get(path)
          .query(page === 1 ? { per_page: 100 } : { per_page: 100, page })
          .reply(200, entries.slice((page - 1) * 100, page * 100), next);
      }
      return api;
    },
    /**
     * `.github/slo-gate.yml` on a repository's default branch, as GitHub's contents API answers it
     * (JSON, base64). A 404 in the organisation's `.github` repository also answers 404 for the
     * repository itself, which the loader asks before it reads "no organisation default".
     */
    policy(text: string | 404, repo = REPO) {
      const path = `${repo}/contents/.github%2Fslo-gate.yml`;
      if (text === 404) {
        scope.get(path).reply(404, { message: 'Not Found' });
        if (repo.endsWith('/.github')) scope.get(repo).reply(404, { message: 'Not Found' });
      } else {
        const size = Buffer.byteLength(text);
        scope.get(path).reply(200, {
          type: 'file',
          encoding: 'base64',
          size,
          name: 'slo-gate.yml',
          path: '.github/slo-gate.yml',
          content: Buffer.from(text).toString('base64'),
        });
      }
      return api;
    },
    status(sha = HEAD_SHA) {
      scope
        .post(`${REPO}/statuses/${sha}`, (body) => {
          recorded.statuses.push(body);
          recorded.statusShas.push(sha);
          return true;
        })
        .reply(201, {});
      return api;
    },
    /** `GET /app` (app JWT): the app's slug, which names its bot account `slo-gate[bot]`. Asked once per app. */
    app(slug = 'slo-gate', status = 200) {
      appAsked = true;
      scope.get('/app').reply(status, status === 200 ? { id: 1, slug, name: 'SLO gate' } : { message: 'Bad Gateway' });
      return api;
    },
    /**
     * The pull request's comments, written by `slo-gate[bot]` unless a comment says otherwise. The first
     * listing of a test also expects the one `GET /app` that tells the app which bot it is (unless
     * `app()` was called already).
     */
    comments(existing: Array<{ id: number; body: string; type?: string; login?: string }> = []) {
      if (!appAsked) api.app();
      scope
        .get(`${REPO}/issues/2/comments`)
        .query({ per_page: 100 })
        .reply(
          200,
          existing.map((c) => ({ id: c.id, body: c.body, user: { login: c.login ?? 'slo-gate[bot]', type: c.type ?? 'Bot' } })),
        );
      return api;
    },
    createComment() {
      scope
        .post(`${REPO}/issues/2/comments`, (body) => {
          recorded.created.push(body.body);
          return true;
        })
        .reply(201, { id: 1 });
      return api;
    },
    updateComment(id: number, status = 200) {
      scope
        .patch(`${REPO}/issues/comments/${id}`, (body) => {
          if (status === 200) recorded.updated.push({ id, body: body.body });
          return true;
        })
        .reply(status, status === 200 ? { id } : { message: 'Not Found' });
      return api;
    },
    reaction(commentId: number) {
      scope
        .post(`${REPO}/issues/comments/${commentId}/reactions`, (body) => {
          recorded.reactions.push({ commentId, content: body.content });
          return true;
        })
        .reply(201, { id: 1, content: '-1' });
      return api;
    },
    labelEvents(events: Array<{ label: string; actor: string; at: string; event?: string }>) {
      scope
        .get(`${REPO}/issues/2/events`)
        .query({ per_page: 100 })
        .reply(
          200,
          events.map((e, i) => ({ id: i + 1, event: e.event ?? 'labeled', label: { name: e.label }, actor: { login: e.actor }, created_at: e.at })),
        );
      return api;
    },
    pull(head: { sha?: string; state?: string; updatedAt?: string; labels?: string[] } = {}) {
      scope.get(`${REPO}/pulls/2`).reply(200, {
        number: 2,
        state: head.state ?? 'open',
        updated_at: head.updatedAt ?? '2026-11-22T10:00:00Z',
        head: { sha: head.sha ?? HEAD_SHA },
        labels: (head.labels ?? []).map((name, id) => ({ id, name })),
      });
      return api;
    },
    /** What GitHub shows as the newest status of each context on `sha` (re-checks compare with it). */
    shown(statuses: Array<{ context?: string; state: string; description: string }> = [], sha = HEAD_SHA) {
      scope
        .get(`${REPO}/commits/${sha}/status`)
        .query({ per_page: 100 })
        .reply(200, { state: 'pending', sha, statuses: statuses.map((s) => ({ context: 'slo-gate', ...s })) });
      return api;
    },
    openPulls(numbers: number[]) {
      scope
        .get(`${REPO}/pulls`)
        .query({ state: 'open', per_page: 100 })
        .reply(
          200,
          numbers.map((number) => ({ number, state: 'open' })),
        );
      return api;
    },
    permission(login: string, role: string | 404) {
      const path = `${REPO}/collaborators/${login}/permission`;
      if (role === 404) scope.get(path).reply(404, { message: 'Not Found' });
      else scope.get(path).reply(200, { permission: role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role, role_name: role, user: { login } });
      return api;
    },
  };
  return api;
}

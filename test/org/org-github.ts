import nock from 'nock';
import { INSTALLATION_ID } from '../support/probot.js';

export const OWNER = 'Codertocat';
export const REPO = 'Hello-World';
const base = `/repos/${OWNER}/${REPO}`;

/** A head SHA per pull request number (and a second one, for a push to it). */
export const shaOf = (number: number, push = 0) => (push ? 'b' : 'a').repeat(36) + String(number).padStart(4, '0');

export interface Written {
  /** `#number state`, in the order GitHub received them. */
  statuses: string[];
  comments: string[];
  /** Every write, statuses and comments together, in the order GitHub received them. */
  order: string[];
}

/**
 * GitHub for many pull requests of one repository, behind nock. Every request the app makes must
 * have been expected here; `unexpected` collects any other (nock answers them with an error).
 */
export function orgGitHub() {
  const scope = nock('https://api.github.com');
  const written: Written = { statuses: [], comments: [], order: [] };
  const unexpected: string[] = [];
  const onNoMatch = (req: { method?: string; path?: string }) => unexpected.push(`${req.method} ${req.path}`);
  nock.emitter.on('no match', onNoMatch);
  const numberOf = (sha: string) => Number(sha.slice(36));
  const api = {
    scope,
    written,
    unexpected,
    stop: () => nock.emitter.removeListener('no match', onNoMatch),
    token(headers: Record<string, string> = {}) {
      scope.post(`/app/installations/${INSTALLATION_ID}/access_tokens`).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' }, headers);
      return api;
    },
    app() {
      scope.get('/app').reply(200, { id: 1, slug: 'slo-gate', name: 'SLO gate' });
      return api;
    },
    policy(text: string | 404, repo = base) {
      const path = `${repo}/contents/.github%2Fslo-gate.yml`;
      if (text === 404) scope.get(path).reply(404, { message: 'Not Found' });
      else scope.get(path).reply(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(text), content: Buffer.from(text).toString('base64') });
      return api;
    },
    /** One status write on the head of each of these pull requests (or on `sha`). */
    statuses(numbers: number[], { sha, headers = {} }: { sha?: (n: number) => string; headers?: Record<string, string> } = {}) {
      for (const number of numbers) {
        const head = sha?.(number) ?? shaOf(number);
        scope
          .post(
            `${base}/statuses/${head}`,
            (body: { state: string }) => (written.statuses.push(`#${numberOf(head)} ${body.state}`), written.order.push('status'), true),
          )
          .reply(201, {}, headers);
      }
      return api;
    },
    /** The files a head changes, read once per head (none that any SLO's `paths` would pick). */
    files(numbers: number[]) {
      for (const number of numbers) scope.get(`${base}/pulls/${number}/files`).query({ per_page: 100 }).reply(200, []);
      return api;
    },
    /** A new pull request's first comment: there is none yet, so it is created. */
    firstComments(numbers: number[]) {
      for (const number of numbers) {
        scope.get(`${base}/issues/${number}/comments`).query({ per_page: 100 }).reply(200, []);
        scope.post(`${base}/issues/${number}/comments`, () => (written.comments.push(`#${number} created`), true)).reply(201, { id: 1000 + number });
      }
      return api;
    },
    commentUpdates(numbers: number[]) {
      for (const number of numbers) {
        scope
          .patch(`${base}/issues/comments/${1000 + number}`, () => (written.comments.push(`#${number} updated`), written.order.push('comment'), true))
          .reply(200, { id: 1000 + number });
      }
      return api;
    },
    pull(number: number, head: { sha: string; labels?: string[]; updatedAt: string }) {
      scope.get(`${base}/pulls/${number}`).reply(200, {
        number,
        state: 'open',
        updated_at: head.updatedAt,
        head: { sha: head.sha },
        labels: (head.labels ?? []).map((name, id) => ({ id, name })),
      });
      return api;
    },
    openPulls(pulls: Array<{ number: number; sha: string; labels?: string[]; updatedAt: string }>) {
      scope
        .get(`${base}/pulls`)
        .query({ state: 'open', per_page: 100 })
        .reply(
          200,
          pulls.map((p) => ({
            number: p.number,
            state: 'open',
            updated_at: p.updatedAt,
            head: { sha: p.sha },
            labels: (p.labels ?? []).map((name, id) => ({ id, name })),
          })),
        );
      return api;
    },
    shown(sha: string, statuses: Array<{ state: string; description: string }>) {
      scope
        .get(`${base}/commits/${sha}/status`)
        .query({ per_page: 100 })
        .reply(200, { state: 'pending', sha, statuses: statuses.map((s) => ({ context: 'slo-gate', ...s })) });
      return api;
    },
  };
  return api;
}

/**
 * A small, honest GitHub for the demo: one repository (its policy file, its collaborators, `main`),
 * its pull requests with their labels, changed files and timelines, commit statuses, issue comments, and the
 * deployments (and their protection rule, which the app reviews). It answers the REST endpoints slo-gate uses,
 * under /api/v3 as GitHub Enterprise Server does (GHE_HOST, GHE_PROTOCOL=http), and sends the
 * webhooks GitHub would send, signed with the app's secret (X-Hub-Signature-256).
 *
 * Any JWT and any installation token are accepted, but a request without one is refused (401), and
 * anything it does not know is answered 404 and recorded in `unexpected`, so the demo's test sees it.
 * It is built apart from bench/support/github-stub.ts, which counts requests for the benchmarks;
 * this one keeps the state a person would look at on github.com.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { protectionRuleEvent, pullRequestEvent, type PullRequestView, type RepositoryView } from './webhook-payloads.js';

const API = '/api/v3';
const MAX_BODY_BYTES = 1024 * 1024;
const BOT = { login: 'slo-gate[bot]', id: 1, type: 'Bot' };

export interface SimulatedStatus {
  sha: string;
  context: string;
  state: string;
  description: string;
  targetUrl: string | undefined;
  at: number;
}

export interface SimulatedComment {
  id: number;
  number: number;
  author: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** One review of a protection rule: a decision (`state`) or a progress report (no state). */
export interface SimulatedReview {
  runId: number;
  environment: string;
  state: 'approved' | 'rejected' | undefined;
  comment: string;
  at: number;
}

export interface SimulatorOptions {
  owner: string;
  repo: string;
  installationId: number;
  /** Files of the default branch, by path (e.g. `.github/slo-gate.yml`). */
  files: Readonly<Record<string, string>>;
  /** Repository permission of each collaborator; anyone else is not one (404). */
  permissions: Readonly<Record<string, string>>;
  mainHead: string;
  webhookSecret: string;
}

interface PullRequest extends PullRequestView {
  files: string[];
  events: Array<{ id: number; event: string; label: { name: string }; actor: { login: string; type: string }; created_at: string }>;
}

export interface GitHubSimulator {
  /** GHE_HOST for the app. */
  host: string;
  apiBase: string;
  statuses: SimulatedStatus[];
  comments: SimulatedComment[];
  reviews: SimulatedReview[];
  /** Requests it did not expect, as `METHOD path (status)`. */
  unexpected: string[];
  /** Date.now() of the last API request, to tell when the app has gone quiet. */
  lastRequestAt(): number;
  /** Where webhooks go (the app's /api/github/webhooks). */
  deliverTo(url: string): void;
  openPullRequest(pr: { number: number; title: string; branch: string; sha: string; author: string; files: string[] }): Promise<void>;
  pushToPullRequest(number: number, sha: string, author: string): Promise<void>;
  addLabel(number: number, label: string, actor: string): Promise<void>;
  requestDeployment(request: { deploymentId: number; runId: number; sha: string; environment: string }, actor: string): Promise<void>;
  /** The newest status of `context` on `sha`, as the pull request's checks list shows it. */
  statusOf(sha: string, context: string): SimulatedStatus | undefined;
  /** The app's comment on a pull request, as it reads now. */
  botComment(number: number): SimulatedComment | undefined;
  close(): Promise<void>;
}

export async function startGitHubSimulator(options: SimulatorOptions): Promise<GitHubSimulator> {
  const statuses: SimulatedStatus[] = [];
  const comments: SimulatedComment[] = [];
  const reviews: SimulatedReview[] = [];
  const unexpected: string[] = [];
  const pulls = new Map<number, PullRequest>();
  const deployments: Array<{ id: number; sha: string; ref: string; environment: string; creator: string; createdAt: string }> = [];
  const fullName = `${options.owner}/${options.repo}`;
  let webhookUrl: string | undefined;
  let lastRequestAt = Date.now();
  let nextId = 5000;
  // GitHub's updated_at has second precision: every change is at least a second later than the last.
  let lastChange = Math.floor(Date.now() / 1000);
  const changedAt = () => new Date(1000 * (lastChange = Math.max(lastChange + 1, Math.floor(Date.now() / 1000)))).toISOString();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(chunk);
    });
    req.on('end', () => {
      lastRequestAt = Date.now();
      let answer: Answer;
      try {
        answer = route(req, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        answer = { status: 500, json: { message: `simulator failure: ${(error as Error).message}` } };
      }
      if (answer.status === 404) unexpected.push(`${req.method} ${req.url} (404)`);
      send(res, answer);
    });
  });

  function route(req: IncomingMessage, body: string): Answer {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = req.method ?? 'GET';
    if (!url.pathname.startsWith(`${API}/`)) return notFound;
    if (!/^(?:token|bearer)\s+\S+/i.test(req.headers.authorization ?? '')) return { status: 401, json: { message: 'Requires authentication' } };
    const path = url.pathname.slice(API.length);
    let m: RegExpExecArray | null;

    if (method === 'GET' && path === '/app') return ok({ id: 1, slug: 'slo-gate', name: 'slo-gate', owner: { login: options.owner } });
    if (method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      if (Number(m[1]) !== options.installationId) return notFound;
      const expires = new Date(Date.now() + 3_600_000).toISOString();
      return {
        status: 201,
        json: { token: `ghs_demo_${randomUUID().replaceAll('-', '')}`, expires_at: expires, repository_selection: 'all', permissions: {} },
      };
    }
    if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path))) return notFound;
    if (`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`.toLowerCase() !== fullName.toLowerCase()) return notFound;
    const rest = m[3] ?? '';
    const input = () => parseBody(body);

    if (method === 'GET' && rest === '') return ok(repositoryJson());
    if (method === 'GET' && rest === '/installation') {
      return ok({
        id: options.installationId,
        app_id: 1,
        app_slug: 'slo-gate',
        account: { login: options.owner, type: 'Organization' },
        target_type: 'Organization',
      });
    }
    if (method === 'GET' && (m = /^\/contents\/(.+)$/.exec(rest))) {
      const file = decodeURIComponent(m[1]!);
      const content = options.files[file];
      if (content === undefined) return notFound;
      const name = file.split('/').pop();
      return ok({ type: 'file', encoding: 'base64', size: Buffer.byteLength(content), name, path: file, content: Buffer.from(content).toString('base64') });
    }
    if (method === 'POST' && (m = /^\/statuses\/([0-9a-f]{40})$/.exec(rest))) {
      const given = input();
      const state = String(given.state);
      if (!['error', 'failure', 'pending', 'success'].includes(state)) return { status: 422, json: { message: 'Validation Failed' } };
      const status: SimulatedStatus = {
        sha: m[1]!,
        context: typeof given.context === 'string' ? given.context : 'default',
        state,
        description: typeof given.description === 'string' ? given.description : '',
        targetUrl: typeof given.target_url === 'string' ? given.target_url : undefined,
        at: Date.now(),
      };
      statuses.push(status);
      return { status: 201, json: { id: nextId++, state, context: status.context, description: status.description, target_url: status.targetUrl ?? null } };
    }
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/status$/.exec(rest))) return ok(combinedStatus(m[1]!));
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/pulls$/.exec(rest))) {
      return ok([...pulls.values()].filter((pr) => pr.sha === m![1]).map(pullJson));
    }
    if (method === 'GET' && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) {
      const at = new Date(lastChange * 1000).toISOString();
      return ok({ sha: m[1], message: 'demo commit', author: { name: 'dana', date: at }, committer: { name: 'dana', date: at } });
    }
    if (method === 'GET' && (m = /^\/branches\/([^/]+)$/.exec(rest))) {
      if (decodeURIComponent(m[1]!) !== 'main') return notFound;
      const at = new Date(lastChange * 1000).toISOString();
      return ok({ name: 'main', commit: { sha: options.mainHead, commit: { author: { date: at }, committer: { date: at } } } });
    }
    if (method === 'GET' && rest === '/deployments') {
      const filters = ['sha', 'ref', 'environment'] as const;
      const listed = deployments.filter((d) => filters.every((f) => !url.searchParams.has(f) || url.searchParams.get(f) === d[f]));
      return ok(
        listed.toReversed().map((d) => ({
          id: d.id,
          sha: d.sha,
          ref: d.ref,
          task: 'deploy',
          environment: d.environment,
          creator: { login: d.creator, type: 'User' },
          created_at: d.createdAt,
          updated_at: d.createdAt,
        })),
      );
    }
    if (method === 'GET' && rest === '/pulls') return ok([...pulls.values()].map(pullJson));
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      const pr = pulls.get(Number(m[1]));
      return pr ? ok(pullJson(pr)) : notFound;
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      const pr = pulls.get(Number(m[1]));
      if (!pr) return notFound;
      return ok(pr.files.map((filename) => ({ filename, status: 'modified', additions: 12, deletions: 3, changes: 15 })));
    }
    if (method === 'GET' && (m = /^\/issues\/(\d+)\/events$/.exec(rest))) {
      const pr = pulls.get(Number(m[1]));
      return pr ? ok(pr.events) : notFound;
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      if (!pulls.has(number)) return notFound;
      if (method === 'GET') return ok(comments.filter((c) => c.number === number).map(commentJson));
      if (method === 'POST') {
        const now = new Date().toISOString();
        const comment = { id: nextId++, number, author: BOT.login, body: String(input().body ?? ''), createdAt: now, updatedAt: now };
        comments.push(comment);
        return { status: 201, json: commentJson(comment) };
      }
    }
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const comment = comments.find((c) => c.id === Number(m![1]));
      if (!comment) return notFound;
      if (comment.author !== BOT.login) return { status: 403, json: { message: 'Resource not accessible by integration' } };
      comment.body = String(input().body ?? '');
      comment.updatedAt = new Date().toISOString();
      return ok(commentJson(comment));
    }
    if (method === 'POST' && /^\/issues\/comments\/\d+\/reactions$/.test(rest)) return { status: 201, json: { id: nextId++, content: input().content } };
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const login = decodeURIComponent(m[1]!);
      const permission = options.permissions[login];
      if (!permission) return { status: 404, json: { message: `${login} is not a collaborator` } };
      return ok({ permission, role_name: permission, user: { login, type: 'User' } });
    }
    if (method === 'POST' && (m = /^\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(rest))) {
      const given = input();
      const state = given.state === 'approved' || given.state === 'rejected' ? given.state : undefined;
      reviews.push({ runId: Number(m[1]), environment: String(given.environment_name), state, comment: String(given.comment ?? ''), at: Date.now() });
      return { status: 204 };
    }
    return notFound;
  }

  function repositoryJson() {
    return { name: options.repo, full_name: fullName, owner: { login: options.owner, type: 'Organization' }, default_branch: 'main', private: true };
  }

  function pullJson(pr: PullRequest) {
    return {
      number: pr.number,
      state: 'open',
      title: pr.title,
      draft: false,
      merged_at: null,
      user: { login: pr.author, type: 'User' },
      head: { sha: pr.sha, ref: pr.branch },
      base: { ref: 'main', repo: repositoryJson() },
      labels: pr.labels.map((name) => ({ name })),
      created_at: pr.createdAt,
      updated_at: pr.updatedAt,
    };
  }

  function combinedStatus(sha: string) {
    const newest = new Map(statuses.filter((s) => s.sha === sha).map((s) => [s.context, s]));
    const list = [...newest.values()].map((s) => ({ context: s.context, state: s.state, description: s.description, target_url: s.targetUrl ?? null }));
    const states = list.map((s) => s.state);
    const state = states.some((s) => s === 'failure' || s === 'error') ? 'failure' : states.length === 0 || states.includes('pending') ? 'pending' : 'success';
    return { sha, state, total_count: list.length, statuses: list };
  }

  function commentJson(comment: SimulatedComment) {
    const user = comment.author === BOT.login ? BOT : { login: comment.author, type: 'User' };
    return { id: comment.id, body: comment.body, user, created_at: comment.createdAt, updated_at: comment.updatedAt };
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the GitHub simulator has no port');
  const host = `127.0.0.1:${address.port}`;
  const repoView: RepositoryView = { owner: options.owner, name: options.repo, installationId: options.installationId, apiBase: `http://${host}${API}` };

  async function deliver(event: string, payload: Record<string, unknown>): Promise<void> {
    if (!webhookUrl) throw new Error('no webhook URL: call deliverTo() first');
    const body = JSON.stringify(payload);
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/slo-gate-demo',
        'x-github-event': event,
        'x-github-delivery': randomUUID(),
        'x-github-hook-installation-target-type': 'integration',
        'x-hub-signature-256': `sha256=${createHmac('sha256', options.webhookSecret).update(body).digest('hex')}`,
      },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`the app answered the ${event} webhook with HTTP ${response.status}: ${text.slice(0, 300)}`);
  }

  const pullRequest = (number: number) => {
    const pr = pulls.get(number);
    if (!pr) throw new Error(`no pull request #${number}`);
    return pr;
  };

  return {
    host,
    apiBase: repoView.apiBase,
    statuses,
    comments,
    reviews,
    unexpected,
    lastRequestAt: () => lastRequestAt,
    deliverTo(url) {
      webhookUrl = url;
    },
    async openPullRequest({ number, title, branch, sha, author, files }) {
      const at = changedAt();
      const pr: PullRequest = { number, title, branch, sha, author, files, labels: [], createdAt: at, updatedAt: at, events: [] };
      pulls.set(number, pr);
      await deliver('pull_request', pullRequestEvent('opened', repoView, pr, author));
    },
    async pushToPullRequest(number, sha, author) {
      const pr = pullRequest(number);
      Object.assign(pr, { sha, updatedAt: changedAt() });
      await deliver('pull_request', pullRequestEvent('synchronize', repoView, pr, author));
    },
    async addLabel(number, label, actor) {
      const pr = pullRequest(number);
      const at = changedAt();
      if (!pr.labels.includes(label)) pr.labels.push(label);
      pr.updatedAt = at;
      pr.events.push({ id: nextId++, event: 'labeled', label: { name: label }, actor: { login: actor, type: 'User' }, created_at: at });
      await deliver('pull_request', pullRequestEvent('labeled', repoView, pr, actor, label));
    },
    async requestDeployment(request, actor) {
      const createdAt = changedAt();
      deployments.push({ id: request.deploymentId, sha: request.sha, ref: 'main', environment: request.environment, creator: actor, createdAt });
      await deliver('deployment_protection_rule', protectionRuleEvent(repoView, { ...request, createdAt }, actor));
    },
    statusOf(sha, context) {
      return statuses.findLast((s) => s.sha === sha && s.context === context);
    },
    botComment(number) {
      return comments.find((c) => c.number === number && c.author === BOT.login);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Answer {
  status: number;
  json?: unknown;
}

const notFound: Answer = { status: 404, json: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
const ok = (json: unknown): Answer => ({ status: 200, json });

function parseBody(body: string): Record<string, unknown> {
  const parsed: unknown = body === '' ? {} : JSON.parse(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the request body is not a JSON object');
  return parsed as Record<string, unknown>;
}

function send(res: ServerResponse, answer: Answer): void {
  if (answer.json === undefined) {
    res.writeHead(answer.status).end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.json));
}

/**
 * The REST side of the demo's GitHub simulator: what it answers for each endpoint slo-gate uses,
 * from and into the simulator's state. Anything else is a 404 (recorded by the server as unexpected).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PullRequestView } from './webhook-payloads.js';

export const API = '/api/v3';
const BOT = { login: 'slo-gate[bot]', id: 1, type: 'Bot' };
export const BOT_LOGIN = BOT.login;

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

export interface SimulatedPullRequest extends PullRequestView {
  files: string[];
  events: Array<{ id: number; event: string; label: { name: string }; actor: { login: string; type: string }; created_at: string }>;
}

export interface SimulatedDeployment {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  creator: string;
  createdAt: string;
}

/** Everything the simulated repository holds, shared by the API and the simulator's own actions. */
export interface SimulatorState {
  options: SimulatorOptions;
  statuses: SimulatedStatus[];
  comments: SimulatedComment[];
  reviews: SimulatedReview[];
  pulls: Map<number, SimulatedPullRequest>;
  deployments: SimulatedDeployment[];
  nextId(): number;
  /** Unix seconds of the last change to the repository (a commit's date). */
  lastChange(): number;
}

/** The answer to one API request. */
export function answerRequest(state: SimulatorState, req: IncomingMessage, body: string): Answer {
  const { options, statuses, comments, reviews, pulls, deployments, nextId, lastChange } = state;
  const fullName = `${options.owner}/${options.repo}`;
  return route(req, body);

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
      return {
        status: 201,
        json: { id: nextId(), state, context: status.context, description: status.description, target_url: status.targetUrl ?? null },
      };
    }
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/status$/.exec(rest))) return ok(combinedStatus(m[1]!));
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/pulls$/.exec(rest))) {
      return ok([...pulls.values()].filter((pr) => pr.sha === m![1]).map(pullJson));
    }
    if (method === 'GET' && (m = /^\/git\/commits\/([0-9a-f]{40})$/.exec(rest))) {
      const at = new Date(lastChange() * 1000).toISOString();
      return ok({ sha: m[1], message: 'demo commit', author: { name: 'dana', date: at }, committer: { name: 'dana', date: at } });
    }
    if (method === 'GET' && (m = /^\/branches\/([^/]+)$/.exec(rest))) {
      if (decodeURIComponent(m[1]!) !== 'main') return notFound;
      const at = new Date(lastChange() * 1000).toISOString();
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
        const comment = { id: nextId(), number, author: BOT.login, body: String(input().body ?? ''), createdAt: now, updatedAt: now };
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
    if (method === 'POST' && /^\/issues\/comments\/\d+\/reactions$/.test(rest)) return { status: 201, json: { id: nextId(), content: input().content } };
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

  function pullJson(pr: SimulatedPullRequest) {
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
}

export interface Answer {
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

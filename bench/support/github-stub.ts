/**
 * A local stand-in for the GitHub (Enterprise Server) REST API under /api/v3: it answers what
 * slo-gate asks, after a fixed latency, and records every request: reads and writes by route,
 * installation tokens, each commit status (with the time it arrived and the webhook delivery that
 * caused it, from the `x-github-delivery` header Probot adds), comments kept per pull request so
 * the app's find-and-edit works, and anything it did not expect (answered 404: a finding).
 * Every answer carries GitHub's rate-limit headers (x-ratelimit-limit / -remaining / -used /
 * -reset), counted per installation over a fixed hour from the stub's start, like GitHub's core
 * budget of 5,000 requests per hour; the stub never refuses, it counts what GitHub would refuse.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface StatusWrite {
  repo: string;
  sha: string;
  state: string;
  description: string;
  context: string;
  installation: number | undefined;
  delivery: string | undefined;
  /** performance.now() when the request arrived, and when the stub answered it. */
  arrivedAt: number;
  answeredAt: number;
}

export interface CommentWrite {
  repo: string;
  number: number;
  kind: 'create' | 'update';
  id: number;
  /** The 7-character commit the body names ("slo-gate evaluated commit abc1234"). */
  sha7: string | undefined;
  body: string;
  installation: number | undefined;
  delivery: string | undefined;
  arrivedAt: number;
}

/** One `POST …/actions/runs/{run_id}/deployment_protection_rule`: a decision (with `state`) or a progress report. */
export interface ReviewWrite {
  repo: string;
  runId: number;
  environment: string;
  state: 'approved' | 'rejected' | undefined;
  comment: string;
  arrivedAt: number;
}

/** A status GitHub shows on a commit without the app having written it in this run (showStatus): not a write. */
export interface ShownStatus {
  repo: string;
  sha: string;
  state: string;
  description: string;
  context: string;
}

export interface StubRequest {
  method: string;
  /** The route with placeholders, e.g. `POST /repos/{owner}/{repo}/statuses/{sha}`. */
  route: string;
  kind: 'read' | 'write' | 'token';
  installation: number | undefined;
  delivery: string | undefined;
  arrivedAt: number;
  status: number;
}

interface Comment {
  id: number;
  body: string;
}

interface Answer {
  status: number;
  json?: unknown;
  raw?: string;
  /** The route it matched, with placeholders, or `unexpected ...`. */
  route: string;
  headers?: Record<string, string>;
  onAnswer?: (at: number) => void;
}

interface PullRequestState {
  number: number;
  sha: string;
  updatedAt: string;
  labels: string[];
  /** Set by setPullRequest: only these are listed. A pull request the stub merely heard of reads as open, as before. */
  listed: boolean;
  closed: boolean;
  /** Issue timeline entries, oldest first. */
  events: Array<{ event: string; label: { name: string }; actor: { login: string }; created_at: string }>;
  comments: Comment[];
}

export interface GitHubStubOptions {
  latencyMs: number;
  /** Requests per hour and installation in the rate-limit headers; default 5,000 (GitHub's for an installation). */
  rateLimitPerHour?: number;
  /** `.github/slo-gate.yml` of each repository, by `owner/repo`. */
  policies: ReadonlyMap<string, string>;
  /** Permission of each user on every repository; anyone else is not a collaborator (404). */
  permissions?: Readonly<Record<string, string>>;
}

export interface GitHubStub {
  /** Where Probot should look: GHE_HOST=host, GHE_PROTOCOL=http. */
  host: string;
  requests: StubRequest[];
  statuses: StatusWrite[];
  comments: CommentWrite[];
  /** Protection-rule decisions and progress reports, in arrival order. */
  reviews: ReviewWrite[];
  /** Requests the stub did not expect, as `METHOD path (status)`. */
  unexpected: string[];
  /** The pull request as GitHub would show it now (before sending its webhook). */
  setPullRequest(repo: string, number: number, head: { sha: string; updatedAt: string; labels: string[] }): void;
  /** Statuses shown by showStatus, oldest first: not requests, not in `statuses`, not counted as writes. */
  shown: ShownStatus[];
  /**
   * Shows a status on a commit as if the app had written it before this run: the combined status
   * (`GET …/commits/{sha}/status`) returns it until a written status of the same context replaces it.
   */
  showStatus(status: ShownStatus): void;
  /** Open pull requests as `GET /repos/{owner}/{repo}/pulls?state=open` lists them; a closed one drops out. */
  closePullRequest(repo: string, number: number): void;
  /** Requests counted against each installation's hourly budget (`app` for requests with the app's JWT). */
  budgetUsed(): Map<string, number>;
  /** Starts a new budget hour now, every installation's budget full again (a setup phase compressed in time is over). */
  startNewHour(): void;
  /**
   * Whether requests count against the hourly budgets (default true). A setup phase compressed in
   * time (opening a thousand pull requests in minutes, which real ones do over days) does not: the
   * app must not read from it a budget running out that the measured phase never spent.
   */
  countBudget(on: boolean): void;
  /** Requests beyond an installation's hourly budget so far: GitHub would have refused them (403). */
  overBudget(): number;
  /** A `labeled` entry in the pull request's timeline, recorded before its webhook is sent. */
  recordLabel(repo: string, number: number, label: string, actor: string, at: string): void;
  close(): Promise<void>;
}

const API = '/api/v3';
const BOT = { login: 'slo-gate[bot]', type: 'Bot', id: 1 };

export async function startGitHubStub(options: GitHubStubOptions): Promise<GitHubStub> {
  const requests: StubRequest[] = [];
  const statuses: StatusWrite[] = [];
  const comments: CommentWrite[] = [];
  const reviews: ReviewWrite[] = [];
  const unexpected: string[] = [];
  const shown: ShownStatus[] = [];
  const shownOn = new Map<string, ShownStatus[]>();
  const pulls = new Map<string, PullRequestState>();
  const commentOwner = new Map<number, PullRequestState>();
  const tokens = new Map<string, number>();
  let nextId = 1000;

  const pull = (repo: string, number: number) => {
    const key = `${repo}#${number}`;
    let state = pulls.get(key);
    if (!state) {
      state = { number, sha: '0'.repeat(40), updatedAt: new Date(0).toISOString(), labels: [], listed: false, closed: false, events: [], comments: [] };
      pulls.set(key, state);
    }
    return state;
  };

  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let answer: Answer;
      try {
        answer = route(req, body, arrivedAt);
      } catch (error) {
        answer = { status: 500, json: { message: `stub failure: ${(error as Error).message}` }, route: 'error' };
      }
      const installation = installationOf(req);
      const limits = rateLimit(installation);
      const kind: StubRequest['kind'] = answer.route.includes('access_tokens') ? 'token' : req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
      requests.push({ method: req.method ?? '?', route: answer.route, kind, installation, delivery: deliveryOf(req), arrivedAt, status: answer.status });
      if (answer.status === 404 && !answer.route.includes('/permission')) unexpected.push(`${req.method} ${req.url} (404)`);
      setTimeout(() => {
        answer.onAnswer?.(performance.now());
        send(res, answer, limits);
      }, options.latencyMs);
    });
  });

  const limitPerHour = options.rateLimitPerHour ?? 5000;
  let startedAt = Date.now();
  const budgetUsed = new Map<string, number>();
  let budgetHour = 0;
  let overBudget = 0;
  let counting = true;
  /** Counts one request against its installation's budget for the current hour; returns the headers GitHub sends. */
  const rateLimit = (installation: number | undefined): Record<string, string> => {
    const hour = Math.floor((Date.now() - startedAt) / 3_600_000);
    if (hour !== budgetHour) {
      budgetHour = hour;
      budgetUsed.clear();
    }
    const bucket = installation === undefined ? 'app' : String(installation);
    const used = (budgetUsed.get(bucket) ?? 0) + (counting ? 1 : 0);
    budgetUsed.set(bucket, used);
    if (used > limitPerHour) overBudget++;
    return {
      'x-ratelimit-limit': String(limitPerHour),
      'x-ratelimit-remaining': String(Math.max(0, limitPerHour - used)),
      'x-ratelimit-used': String(used),
      'x-ratelimit-reset': String(Math.ceil((startedAt + (hour + 1) * 3_600_000) / 1000)),
      'x-ratelimit-resource': 'core',
    };
  };

  const installationOf = (req: IncomingMessage): number | undefined => {
    const token = /^(?:token|bearer)\s+(\S+)/i.exec(req.headers.authorization ?? '')?.[1];
    return token ? tokens.get(token) : undefined;
  };
  const deliveryOf = (req: IncomingMessage) => {
    const value = req.headers['x-github-delivery'];
    return Array.isArray(value) ? value[0] : value;
  };
  const notFound = (req: IncomingMessage, route = `unexpected ${req.method} ${req.url}`): Answer => ({ status: 404, json: { message: 'Not Found' }, route });

  function route(req: IncomingMessage, body: string, arrivedAt: number): Answer {
    const url = new URL(req.url ?? '/', 'http://stub');
    if (!url.pathname.startsWith(`${API}/`)) return notFound(req);
    const path = url.pathname.slice(API.length);
    const method = req.method ?? 'GET';
    let m: RegExpExecArray | null;

    if (method === 'POST' && (m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path))) {
      const installation = Number(m[1]);
      const token = `ghs_stub_${installation}_${nextId++}`;
      tokens.set(token, installation);
      return {
        status: 201,
        route: 'POST /app/installations/{id}/access_tokens',
        json: {
          token,
          expires_at: new Date(Date.now() + 3_600_000).toISOString(),
          permissions: { statuses: 'write', pull_requests: 'write', issues: 'read', contents: 'read', metadata: 'read' },
          repository_selection: 'all',
        },
      };
    }
    // The app's own identity (app JWT): its bot login is `${slug}[bot]`, asked once per process.
    if (method === 'GET' && path === '/app') return { status: 200, route: 'GET /app', json: { id: 1, slug: 'slo-gate', name: 'slo-gate' } };
    if (!(m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(path))) return notFound(req);
    const repo = `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`;
    const rest = m[3]!;

    if (method === 'GET' && (m = /^\/contents\/(.+)$/.exec(rest))) {
      const file = decodeURIComponent(m[1]!);
      const routeName = 'GET /repos/{owner}/{repo}/contents/{path}';
      const policy = options.policies.get(repo);
      if (file !== '.github/slo-gate.yml' || policy === undefined) return notFound(req, `${routeName} (404: ${repo}/${file})`);
      // The contents API's JSON form: slo-gate checks `size` before it decodes anything.
      const json = {
        type: 'file',
        encoding: 'base64',
        size: Buffer.byteLength(policy),
        name: 'slo-gate.yml',
        path: file,
        content: Buffer.from(policy).toString('base64'),
      };
      return { status: 200, route: routeName, json };
    }
    if (method === 'GET' && (m = /^\/commits\/([0-9a-f]{40})\/status$/.exec(rest))) {
      // The combined status: the newest status of each context on the commit, which re-checks compare with.
      const sha = m[1]!;
      const earlier = shownOn.get(`${repo}@${sha}`) ?? [];
      const newest = new Map([...earlier, ...statuses.filter((s) => s.repo === repo && s.sha === sha)].map((s) => [s.context, s]));
      const list = [...newest.values()].map(({ context, state, description }) => ({ context, state, description }));
      return { status: 200, route: 'GET /repos/{owner}/{repo}/commits/{sha}/status', json: { sha, state: 'pending', statuses: list } };
    }
    if (method === 'POST' && (m = /^\/statuses\/([0-9a-f]{40})$/.exec(rest))) {
      const input = JSON.parse(body) as { state: string; description?: string; context?: string };
      const write: StatusWrite = {
        repo,
        sha: m[1]!,
        state: input.state,
        description: input.description ?? '',
        context: input.context ?? 'default',
        installation: installationOf(req),
        delivery: deliveryOf(req),
        arrivedAt,
        answeredAt: Number.NaN,
      };
      statuses.push(write);
      return { status: 201, route: 'POST /repos/{owner}/{repo}/statuses/{sha}', json: { id: nextId++, ...input }, onAnswer: (at) => (write.answeredAt = at) };
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const number = Number(m[1]);
      const state = pull(repo, number);
      if (method === 'GET') {
        return { status: 200, route: 'GET /repos/{owner}/{repo}/issues/{number}/comments', json: state.comments.map((c) => commentJson(c)) };
      }
      if (method === 'POST') {
        const comment = { id: nextId++, body: (JSON.parse(body) as { body: string }).body };
        state.comments.push(comment);
        commentOwner.set(comment.id, state);
        comments.push({
          repo,
          number,
          kind: 'create',
          id: comment.id,
          sha7: sha7Of(comment.body),
          body: comment.body,
          installation: installationOf(req),
          delivery: deliveryOf(req),
          arrivedAt,
        });
        return { status: 201, route: 'POST /repos/{owner}/{repo}/issues/{number}/comments', json: commentJson(comment) };
      }
    }
    if (method === 'PATCH' && (m = /^\/issues\/comments\/(\d+)$/.exec(rest))) {
      const id = Number(m[1]);
      const routeName = 'PATCH /repos/{owner}/{repo}/issues/comments/{id}';
      const comment = commentOwner.get(id)?.comments.find((c) => c.id === id);
      if (!comment) return notFound(req, `${routeName} (404)`);
      comment.body = (JSON.parse(body) as { body: string }).body;
      comments.push({
        repo,
        number: commentOwner.get(id)!.number,
        kind: 'update',
        id,
        sha7: sha7Of(comment.body),
        body: comment.body,
        installation: installationOf(req),
        delivery: deliveryOf(req),
        arrivedAt,
      });
      return { status: 200, route: routeName, json: commentJson(comment) };
    }
    if (method === 'GET' && (m = /^\/pulls\/(\d+)$/.exec(rest))) {
      return { status: 200, route: 'GET /repos/{owner}/{repo}/pulls/{number}', json: pullJson(repo, pull(repo, Number(m[1]))) };
    }
    if (method === 'GET' && rest === '/pulls') return listPulls(repo, url);
    if (method === 'GET' && (m = /^\/pulls\/(\d+)\/files$/.exec(rest))) {
      // One changed file per pull request: enough for policies with `paths` to choose their SLOs.
      const json = [{ filename: `src/change-${m[1]}.ts`, status: 'modified', additions: 1, deletions: 0, changes: 1 }];
      return { status: 200, route: 'GET /repos/{owner}/{repo}/pulls/{number}/files', json };
    }
    if (method === 'GET' && (m = /^\/collaborators\/([^/]+)\/permission$/.exec(rest))) {
      const login = decodeURIComponent(m[1]!);
      const permission = options.permissions?.[login];
      const routeName = 'GET /repos/{owner}/{repo}/collaborators/{user}/permission';
      if (!permission) return notFound(req, `${routeName} (404)`);
      return { status: 200, route: routeName, json: { permission, role_name: permission, user: { login } } };
    }
    if (method === 'POST' && (m = /^\/actions\/runs\/(\d+)\/deployment_protection_rule$/.exec(rest))) {
      const input = JSON.parse(body) as { environment_name: string; state?: 'approved' | 'rejected'; comment?: string };
      reviews.push({ repo, runId: Number(m[1]), environment: input.environment_name, state: input.state, comment: input.comment ?? '', arrivedAt });
      return { status: 204, route: 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/deployment_protection_rule' };
    }
    if (method === 'GET' && (m = /^\/issues\/(\d+)\/events$/.exec(rest))) {
      return { status: 200, route: 'GET /repos/{owner}/{repo}/issues/{number}/events', json: pull(repo, Number(m[1])).events };
    }
    return notFound(req);
  }

  /** `GET /repos/{owner}/{repo}/pulls`: open ones only (`state=open`, GitHub's default), newest first, `per_page` ≤ 100, with a Link header. */
  function listPulls(repo: string, url: URL): Answer {
    const routeName = 'GET /repos/{owner}/{repo}/pulls';
    const state = url.searchParams.get('state') ?? 'open';
    if (state !== 'open') return { status: 422, json: { message: `the stub lists only state=open, not ${state}` }, route: `${routeName} (422)` };
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Math.floor(Number(url.searchParams.get('page') ?? 1)) || 1);
    const open = [...pulls.entries()].filter(([key, p]) => p.listed && !p.closed && key.startsWith(`${repo}#`)).map(([, p]) => p);
    open.sort((a, b) => b.number - a.number);
    const last = Math.max(1, Math.ceil(open.length / perPage));
    const link = (n: number, rel: string) => {
      const next = new URL(url.href.replace('http://stub', `http://${host}`));
      next.searchParams.set('page', String(n));
      next.searchParams.set('per_page', String(perPage));
      return `<${next.href}>; rel="${rel}"`;
    };
    const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
    return {
      status: 200,
      route: routeName,
      json: open.slice((page - 1) * perPage, page * perPage).map((p) => pullJson(repo, p)),
      headers: links.length > 0 ? { link: links.join(', ') } : {},
    };
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the GitHub stub has no port');
  const host = `127.0.0.1:${address.port}`;

  return {
    host,
    requests,
    statuses,
    comments,
    reviews,
    unexpected,
    shown,
    showStatus(status) {
      const copy = { ...status };
      shown.push(copy);
      const key = `${copy.repo}@${copy.sha}`;
      shownOn.set(key, [...(shownOn.get(key) ?? []), copy]);
    },
    setPullRequest(repo, number, head) {
      Object.assign(pull(repo, number), head, { listed: true, closed: false });
    },
    closePullRequest(repo, number) {
      pull(repo, number).closed = true;
    },
    budgetUsed: () => new Map(budgetUsed),
    overBudget: () => overBudget,
    startNewHour() {
      startedAt = Date.now();
      budgetHour = 0;
      budgetUsed.clear();
    },
    countBudget(on) {
      counting = on;
    },
    recordLabel(repo, number, label, actor, at) {
      pull(repo, number).events.push({ event: 'labeled', label: { name: label }, actor: { login: actor }, created_at: at });
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function pullJson(repo: string, state: PullRequestState) {
  const [owner, name] = repo.split('/') as [string, string];
  const repository = { name, full_name: repo, owner: { login: owner } };
  return {
    number: state.number,
    state: state.closed ? 'closed' : 'open',
    draft: false,
    head: { sha: state.sha, ref: `change-${state.number}`, repo: repository },
    base: { ref: 'main', repo: repository },
    updated_at: state.updatedAt,
    labels: state.labels.map((label) => ({ name: label })),
  };
}

function commentJson(comment: Comment) {
  return { id: comment.id, body: comment.body, user: BOT, created_at: new Date().toISOString() };
}

function sha7Of(body: string): string | undefined {
  return /evaluated commit ([0-9a-f]{7})/.exec(body)?.[1];
}

function send(res: ServerResponse, answer: Answer, limits: Record<string, string>): void {
  const headers = { ...limits, ...answer.headers };
  if (answer.raw !== undefined) {
    // What GitHub answers for `Accept: application/vnd.github.v3.raw`; Octokit reads a charset=utf-8 body as text.
    res.writeHead(answer.status, { ...headers, 'content-type': 'application/vnd.github.raw; charset=utf-8' }).end(answer.raw);
    return;
  }
  res.writeHead(answer.status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.json ?? {}));
}

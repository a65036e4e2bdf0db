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
import { createServer, type ServerResponse } from 'node:http';
import {
  API,
  answerRequest,
  BOT_LOGIN,
  type Answer,
  type SimulatedComment,
  type SimulatedPullRequest,
  type SimulatedReview,
  type SimulatedStatus,
  type SimulatorOptions,
  type SimulatorState,
} from './simulator-api.js';
import { protectionRuleEvent, pullRequestEvent, type RepositoryView } from './webhook-payloads.js';

export type { SimulatedComment, SimulatedReview, SimulatedStatus, SimulatorOptions } from './simulator-api.js';

const MAX_BODY_BYTES = 1024 * 1024;

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
  const unexpected: string[] = [];
  let webhookUrl: string | undefined;
  let lastRequestAt = Date.now();
  let nextId = 5000;
  // GitHub's updated_at has second precision: every change is at least a second later than the last.
  let lastChange = Math.floor(Date.now() / 1000);
  const changedAt = () => new Date(1000 * (lastChange = Math.max(lastChange + 1, Math.floor(Date.now() / 1000)))).toISOString();
  const state: SimulatorState = {
    options,
    statuses: [],
    comments: [],
    reviews: [],
    pulls: new Map(),
    deployments: [],
    nextId: () => nextId++,
    lastChange: () => lastChange,
  };
  const { statuses, comments, reviews, pulls, deployments } = state;

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
        answer = answerRequest(state, req, Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        answer = { status: 500, json: { message: `simulator failure: ${(error as Error).message}` } };
      }
      if (answer.status === 404) unexpected.push(`${req.method} ${req.url} (404)`);
      send(res, answer);
    });
  });

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
      const pr: SimulatedPullRequest = { number, title, branch, sha, author, files, labels: [], createdAt: at, updatedAt: at, events: [] };
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
      return comments.find((c) => c.number === number && c.author === BOT_LOGIN);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, answer: Answer): void {
  if (answer.json === undefined) {
    res.writeHead(answer.status).end();
    return;
  }
  res.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer.json));
}

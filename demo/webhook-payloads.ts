/**
 * Webhook payloads shaped exactly like GitHub's: each starts from an example of
 * @octokit/webhooks-examples (or, for the protection rule, which has none there, the repository's
 * schema-typed fixture) and changes only what names the demo's repository, people and commits.
 */
import examples from '@octokit/webhooks-examples';
import { deploymentProtectionRuleRequested } from '../test/fixtures/webhooks/deployment_protection_rule.requested.js';

type Payload = Record<string, any>;

export interface RepositoryView {
  owner: string;
  name: string;
  installationId: number;
  apiBase: string;
}

export interface PullRequestView {
  number: number;
  title: string;
  author: string;
  branch: string;
  sha: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
}

function example(name: string, pick: (payload: Payload) => boolean): Payload {
  const definition = (examples as unknown as Array<{ name: string; examples: Payload[] }>).find((d) => d.name === name);
  const found = definition?.examples.find(pick);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name} example to start from`);
  return structuredClone(found);
}

function user(login: string, type: 'User' | 'Bot' = 'User'): Payload {
  return { login, id: 1000 + login.length, type, site_admin: false, html_url: `https://github.com/${login}` };
}

function repository(repo: RepositoryView, base: Payload): Payload {
  const fullName = `${repo.owner}/${repo.name}`;
  return {
    ...base,
    name: repo.name,
    full_name: fullName,
    private: true,
    owner: { ...(base.owner as Payload), login: repo.owner, type: 'Organization' },
    html_url: `https://github.com/${fullName}`,
    url: `${repo.apiBase}/repos/${fullName}`,
    default_branch: 'main',
  };
}

function common(payload: Payload, repo: RepositoryView, sender: string): Payload {
  payload.repository = repository(repo, payload.repository as Payload);
  payload.organization = { login: repo.owner };
  payload.installation = { id: repo.installationId, node_id: 'demo-installation' };
  payload.sender = user(sender);
  return payload;
}

/** `pull_request.opened`, `.synchronize` or `.labeled` (with `label`), as `sender` caused it. */
export function pullRequestEvent(
  action: 'opened' | 'synchronize' | 'labeled',
  repo: RepositoryView,
  pr: PullRequestView,
  sender: string,
  label?: string,
): Payload {
  const payload = example('pull_request', (p) => p.action === action && p.installation !== undefined);
  const source = payload.pull_request as Payload;
  const fullName = `${repo.owner}/${repo.name}`;
  const repoPayload = repository(repo, source.base.repo as Payload);
  payload.number = pr.number;
  payload.pull_request = {
    ...source,
    number: pr.number,
    title: pr.title,
    state: 'open',
    draft: false,
    merged: false,
    user: user(pr.author),
    html_url: `https://github.com/${fullName}/pull/${pr.number}`,
    url: `${repo.apiBase}/repos/${fullName}/pulls/${pr.number}`,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    labels: pr.labels.map((name, index) => ({ id: index + 1, name, color: 'd73a4a', default: false, description: null })),
    head: { ...source.head, ref: pr.branch, sha: pr.sha, label: `${repo.owner}:${pr.branch}`, user: user(pr.author), repo: repoPayload },
    base: { ...source.base, ref: 'main', label: `${repo.owner}:main`, repo: repoPayload },
  };
  if (action === 'synchronize') {
    payload.before = '0'.repeat(40);
    payload.after = pr.sha;
  }
  if (label !== undefined) payload.label = { id: 1, name: label, color: 'b60205', default: false, description: 'Ship it through the gate' };
  return common(payload, repo, sender);
}

/** `deployment_protection_rule.requested` for a workflow run deploying `sha` to `environment`. */
export function protectionRuleEvent(
  repo: RepositoryView,
  request: { deploymentId: number; runId: number; sha: string; environment: string; createdAt: string },
  sender: string,
): Payload {
  const payload = structuredClone(deploymentProtectionRuleRequested) as Payload;
  const fullName = `${repo.owner}/${repo.name}`;
  payload.environment = request.environment;
  payload.event = 'push';
  payload.deployment_callback_url = `${repo.apiBase}/repos/${fullName}/actions/runs/${request.runId}/deployment_protection_rule`;
  payload.deployment = {
    ...(payload.deployment as Payload),
    id: request.deploymentId,
    sha: request.sha,
    ref: 'main',
    environment: request.environment,
    original_environment: request.environment,
    creator: user(sender),
    created_at: request.createdAt,
    updated_at: request.createdAt,
    url: `${repo.apiBase}/repos/${fullName}/deployments/${request.deploymentId}`,
  };
  payload.pull_requests = [];
  return common(payload, repo, sender);
}

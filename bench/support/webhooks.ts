/**
 * `pull_request` webhooks as GitHub sends them: a JSON body signed with HMAC-SHA256 in
 * `x-hub-signature-256`, a unique `x-github-delivery` (a redelivery repeats it), sent over HTTP.
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export interface PullRequestEvent {
  action: 'opened' | 'reopened' | 'synchronize' | 'ready_for_review' | 'labeled' | 'unlabeled' | 'edited';
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  sha: string;
  /** The pull request's `updated_at` as this event shows it. */
  updatedAt: string;
  labels: string[];
  draft: boolean;
  /** The label a `labeled` / `unlabeled` event is about. */
  label?: string;
  sender: string;
  /** `edited` only: what changed. */
  changes?: Record<string, unknown>;
}

export function pullRequestPayload(event: PullRequestEvent): Record<string, unknown> {
  const { owner, repo, number } = event;
  return {
    action: event.action,
    number,
    pull_request: {
      number,
      state: 'open',
      draft: event.draft,
      title: `Change ${number} of ${repo}`,
      user: { login: 'dev', type: 'User' },
      head: { sha: event.sha, ref: `change-${number}`, repo: { name: repo, full_name: `${owner}/${repo}` } },
      base: { ref: 'main', repo: { name: repo, full_name: `${owner}/${repo}` } },
      labels: event.labels.map((name) => ({ name })),
      updated_at: event.updatedAt,
    },
    ...(event.label ? { label: { name: event.label } } : {}),
    ...(event.changes ? { changes: event.changes } : {}),
    repository: { name: repo, full_name: `${owner}/${repo}`, owner: { login: owner, type: 'Organization' }, default_branch: 'main', private: true },
    organization: { login: owner },
    installation: { id: event.installationId },
    sender: { login: event.sender, type: 'User' },
  };
}

export interface Delivery {
  id: string;
  event: PullRequestEvent;
}

export interface Sent {
  /** performance.now() just before the request was written, and when its answer arrived. */
  sentAt: number;
  answeredAt: number;
  status: number;
}

/** Signs and posts one delivery; never throws (a transport failure is status 0). */
export async function sendWebhook(url: string, secret: string, delivery: Delivery, timeoutMs = 30_000): Promise<Sent> {
  const body = JSON.stringify(pullRequestPayload(delivery.event));
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const sentAt = performance.now();
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/bench',
        'x-github-event': 'pull_request',
        'x-github-delivery': delivery.id,
        'x-github-hook-installation-target-type': 'integration',
        'x-hub-signature-256': signature,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.text();
    return { sentAt, answeredAt: performance.now(), status: response.status };
  } catch {
    return { sentAt, answeredAt: performance.now(), status: 0 };
  }
}

/**
 * Sends every delivery in order with at most `concurrency` in flight, before `deadline`
 * (performance.now() ms): bounded in count (the list) and in time. Unsent ones get no entry.
 */
export async function sendAll(
  url: string,
  secret: string,
  deliveries: readonly Delivery[],
  options: { concurrency: number; deadline: number; beforeSend?: (index: number) => void },
): Promise<Array<Sent | undefined>> {
  const results: Array<Sent | undefined> = new Array(deliveries.length).fill(undefined);
  let next = 0;
  const worker = async () => {
    while (next < deliveries.length && performance.now() < options.deadline) {
      const index = next++;
      options.beforeSend?.(index);
      results[index] = await sendWebhook(url, secret, deliveries[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, deliveries.length) }, worker));
  return results;
}

/**
 * Two slo-gate instances sharing one real Redis behave as one: what a load balancer in front of
 * several replicas must not break. GitHub is a stateful fake behind nock; metrics are fixed.
 */
import { randomUUID } from 'node:crypto';
import nock from 'nock';
import type { Probot } from 'probot';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { createRedisStore } from '../../src/state/redis-store.js';
import type { Store } from '../../src/state/store.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { fakeGitHub } from '../support/fake-github.js';
import { POLICY } from '../support/policies.js';
import { createTestProbot, pullRequestPayload } from '../support/probot.js';

const url = inject('redisUrl');
const log = { warn: () => {} };
let stores: Store[] = [];
let github: ReturnType<typeof fakeGitHub> | undefined;

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(async () => {
  await Promise.all(stores.map((s) => s.close()));
  stores = [];
  github?.done();
});

const PULLS = [2, 3, 4].map((number) => ({ number, sha: `${number}`.repeat(40), state: 'open', updatedAt: '2026-11-22T10:00:00Z' }));

/** Two app instances on one Redis prefix, as two replicas of one deployment. */
async function twoReplicas(metrics: Record<string, number>, options: { recheckIntervalMs?: number } = {}) {
  const prefix = `slo-gate-replicas-${randomUUID().slice(0, 8)}`;
  const current = { metrics };
  const source = fakeMetrics(new Proxy({}, { get: (_t, w: string) => current.metrics[w] }));
  const make = async () => {
    const store = createRedisStore({ url, prefix, log, backoffMs: 20 });
    stores.push(store);
    return { store, probot: await createTestProbot(source, { store, queryCacheTtlMs: 0, recheckIntervalMs: options.recheckIntervalMs ?? 300_000 }) };
  };
  const [a, b] = [await make(), await make()];
  return { a, b, setMetrics: (next: Record<string, number>) => (current.metrics = next) };
}

function event(probot: Probot, action: string, pull: (typeof PULLS)[number], id: string) {
  const payload = pullRequestPayload(action, (p) => {
    p.number = pull.number;
    p.pull_request.number = pull.number;
    p.pull_request.head.sha = pull.sha;
    p.pull_request.updated_at = pull.updatedAt;
    p.pull_request.labels = [];
  });
  return probot.receive({ id, name: 'pull_request', payload } as any);
}

describe('two replicas sharing one Redis', () => {
  it('write one comment per PR and one status per distinct result, however deliveries interleave', async () => {
    github = fakeGitHub(POLICY, PULLS);
    const { a, b } = await twoReplicas(FAST_BURN);
    await Promise.all(
      PULLS.flatMap((pull) => [
        event(a.probot, 'synchronize', pull, `sync-${pull.number}`),
        event(b.probot, 'synchronize', pull, `sync-${pull.number}`), // the same delivery, redelivered to the other replica
        event(b.probot, 'labeled', pull, `label-${pull.number}`),
        event(a.probot, 'ready_for_review', pull, `ready-${pull.number}`),
      ]),
    );
    for (const pull of PULLS) {
      expect(
        github.comments.filter((c) => c.issue === pull.number),
        `PR #${pull.number}`,
      ).toHaveLength(1);
      expect(
        github.statuses.filter((s) => s.sha === pull.sha).map((s) => s.state),
        `PR #${pull.number}`,
      ).toEqual(['failure']);
    }
    for (const store of [a.store, b.store]) for (const pull of PULLS) await store.jobs.cancel(`recheck:Codertocat/Hello-World#${pull.number}`);
  });

  it('run each re-check once, on one replica, and flip the PR when the budget recovers', async () => {
    github = fakeGitHub(POLICY, PULLS.slice(0, 1));
    const { a, setMetrics } = await twoReplicas(FAST_BURN, { recheckIntervalMs: 300 });
    await event(a.probot, 'synchronize', PULLS[0]!, 'sync');
    setMetrics(HEALTHY);
    await vi.waitFor(() => expect(github!.statuses.map((s) => s.state)).toEqual(['failure', 'success']), { timeout: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 500)); // time for a doubled re-check to show itself
    expect(github.count('GET /repos/Codertocat/Hello-World/pulls/')).toBe(1);
    expect(github.statuses).toHaveLength(2);
  });

  it('let the other replica finish the re-checks a stopped replica left pending', async () => {
    github = fakeGitHub(POLICY, PULLS);
    const { a, b, setMetrics } = await twoReplicas(FAST_BURN, { recheckIntervalMs: 800 });
    await Promise.all(PULLS.map((pull) => event(a.probot, 'synchronize', pull, `sync-${pull.number}`)));
    expect(await b.store.jobs.pending()).toBe(3);
    await a.store.close(); // replica A goes away with three re-checks pending
    setMetrics(HEALTHY);
    await vi.waitFor(() => expect(github!.statuses.filter((s) => s.state === 'success')).toHaveLength(3), { timeout: 8000 });
    expect(await b.store.jobs.pending()).toBe(0);
  });
});

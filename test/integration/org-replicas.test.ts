/**
 * Gate groups on two replicas sharing one real Redis (issue 8): each group's job runs once per
 * tick, on one replica, and the pull requests it keeps are never re-checked one by one.
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
const INTERVAL = 600;
const WINDOWS = Object.keys(FAST_BURN).length;
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

function opened(probot: Probot, pull: (typeof PULLS)[number]) {
  const payload = pullRequestPayload('opened', (p) => {
    p.number = pull.number;
    p.pull_request.number = pull.number;
    p.pull_request.head.sha = pull.sha;
    p.pull_request.updated_at = pull.updatedAt;
    p.pull_request.labels = [];
  });
  return probot.receive({ id: `opened-${pull.number}`, name: 'pull_request', payload } as any);
}

describe('gate groups on two replicas sharing one Redis', () => {
  it('measure once per tick whichever replica runs the group, and flip every pull request once the budget recovers', async () => {
    github = fakeGitHub(POLICY, PULLS);
    const prefix = `slo-gate-org-${randomUUID().slice(0, 8)}`;
    const current = { metrics: FAST_BURN as Record<string, number> };
    const source = fakeMetrics(new Proxy({}, { get: (_t, w: string) => current.metrics[w] }));
    const asked: number[] = [];
    const metrics = { queryScalar: (query: string, at?: Date) => (asked.push(Date.now()), source.queryScalar(query, at)) };
    const replica = async () => {
      const store = createRedisStore({ url, prefix, log, backoffMs: 20 });
      stores.push(store);
      return createTestProbot(metrics, { store, queryCacheTtlMs: 0, recheckIntervalMs: INTERVAL, gateGroups: true, policyCacheTtlMs: 3_600_000 });
    };
    const [a, b] = [await replica(), await replica()];
    await Promise.all(PULLS.map((pull, i) => opened(i % 2 ? b : a, pull)));
    expect(github.statuses.map((s) => s.state)).toEqual(['failure', 'failure', 'failure']);

    asked.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 4 * INTERVAL));
    // Queries come in one group measurement per tick: two replicas each running the job would double a tick's.
    const perTick = new Map<number, number>();
    for (const t of asked) perTick.set(Math.floor(t / INTERVAL), (perTick.get(Math.floor(t / INTERVAL)) ?? 0) + 1);
    expect(perTick.size).toBeGreaterThanOrEqual(2);
    expect([...perTick.values()].every((n) => n === WINDOWS)).toBe(true);
    expect(github.count('GET /repos/Codertocat/Hello-World/pulls/')).toBe(0); // no re-check one by one
    expect(github.statuses).toHaveLength(3);

    current.metrics = HEALTHY;
    await vi.waitFor(() => expect(github!.statuses.map((s) => s.state)).toEqual(['failure', 'failure', 'failure', 'success', 'success', 'success']), {
      timeout: 8000,
    });
    await new Promise((resolve) => setTimeout(resolve, 2 * INTERVAL)); // time for a doubled write to show itself
    expect(github.statuses).toHaveLength(6);
  });
});

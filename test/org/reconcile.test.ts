/**
 * When repositories are reconciled (their open pull requests listed): pull requests of many
 * repositories opening at once (an incident, an installation) must not make every repository be
 * listed in the same second, period after period. The clock is virtual; GitHub is a fake listing.
 */
import type { Logger } from 'probot';
import { describe, expect, it } from 'vitest';
import type { GateServices } from '../../src/handlers/services.js';
import { indexPullRequest } from '../../src/org/index-events.js';
import { RECONCILE_JOB_KIND, reconcileEveryMs, reconcileJobHandler } from '../../src/org/reconcile.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { until } from '../state/timing.js';
import { virtualTime } from '../support/virtual-time.js';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const INTERVAL = 300_000;
const EVERY = reconcileEveryMs(INTERVAL); // 15 min
const HEAD = { sha: 'a'.repeat(40), labels: [], updatedAt: '2026-11-22T09:00:00Z' };
const quiet = { info() {}, warn() {}, error() {} } as unknown as Logger;

/** Four repositories with one open pull request each, indexed in the same second; `randoms` in turn. */
async function fourRepositories(randoms: number[]) {
  const time = virtualTime(createMemoryStore(), T0);
  const listed: Array<{ repo: string; at: number }> = [];
  // GitHub lists each repository's one pull request as the index has it: nothing to correct.
  const octokit = {
    rest: { pulls: { list: {} } },
    paginate: {
      async *iterator(_route: unknown, { repo }: { repo: string }) {
        listed.push({ repo, at: time.now() - T0 });
        yield { data: [{ number: 1, head: { sha: HEAD.sha }, labels: [], updated_at: HEAD.updatedAt }] };
      },
    },
  };
  let next = 0;
  const services = {
    store: time.store,
    recheckIntervalMs: INTERVAL,
    gateGroups: true,
    random: () => randoms[next++ % randoms.length]!,
    auth: async () => octokit,
  } as unknown as GateServices;
  const failures: unknown[] = [];
  time.store.jobs.process({ [RECONCILE_JOB_KIND]: reconcileJobHandler(services, quiet) }, (_job, error) => void failures.push(error));
  for (const repo of ['svc-a', 'svc-b', 'svc-c', 'svc-d']) await indexPullRequest(services, { installationId: 1, owner: 'acme', repo, number: 1 }, HEAD);
  return { time, listed, failures, services };
}

describe('reconciliation', () => {
  it('lists repositories whose pull requests opened in the same second at moments spread over its period, each once a period', async () => {
    const { time, listed, failures } = await fourRepositories([0, 0.25, 0.5, 0.75]);
    // A first run anywhere in the period: 15, 11.25, 7.5 and 3.75 min from now.
    expect(new Map(time.waiting().map((w) => [w.id, w.inMs]))).toEqual(
      new Map([
        ['reconcile:acme/svc-a', EVERY],
        ['reconcile:acme/svc-b', 0.75 * EVERY],
        ['reconcile:acme/svc-c', 0.5 * EVERY],
        ['reconcile:acme/svc-d', 0.25 * EVERY],
      ]),
    );
    // Two periods, a quarter at a time: one repository listed in each quarter, each exactly a period after its last listing.
    for (let quarter = 1; quarter <= 8; quarter++) {
      await time.advance(EVERY / 4);
      await until(() => expect(listed).toHaveLength(quarter));
      await until(() => expect(time.waiting()).toHaveLength(4));
      // Back in exactly a period: no jitter to bring the repositories back together.
      expect(time.waiting().find((w) => w.id === `reconcile:acme/${listed.at(-1)!.repo}`)?.inMs).toBe(EVERY);
    }
    const quarters = (repo: string) => listed.filter((l) => l.repo === repo).map((l) => l.at / (EVERY / 4));
    expect([quarters('svc-d'), quarters('svc-c'), quarters('svc-b'), quarters('svc-a')]).toEqual([
      [1, 5],
      [2, 6],
      [3, 7],
      [4, 8],
    ]);
    expect(failures).toEqual([]);
  });

  it('does not move a pending reconciliation when another event of the repository comes', async () => {
    const { time, services } = await fourRepositories([0.5]);
    await time.advance(0.25 * EVERY);
    await indexPullRequest(services, { installationId: 1, owner: 'acme', repo: 'svc-a', number: 2 }, { ...HEAD, sha: 'b'.repeat(40) });
    expect(time.waiting().find((w) => w.id === 'reconcile:acme/svc-a')?.inMs).toBe(0.25 * EVERY);
  });
});

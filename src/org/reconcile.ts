import type { Logger } from 'probot';
import { z } from 'zod';
import { call } from '../github/errors.js';
import type { GateServices } from '../handlers/services.js';
import type { Job, Store } from '../state/store.js';
import { DropJob } from '../targets/durable.js';
import { pullRequestRecheck } from '../targets/pull-request-target.js';
import { MAX_INDEXED_PER_REPO, sameView, updateIndex, type IndexedPullRequest, type RepoIndex } from './pr-index.js';

/** A repository's open pull requests are listed at most once per this many re-check intervals. */
export const RECONCILE_EVERY_INTERVALS = 3;
export const RECONCILE_JOB_KIND = 'reconcile';
/** Spacing between the re-checks a reconciliation starts for the pull requests it corrected. */
const SPREAD_MS = 1_000;
const PER_PAGE = 100;

const reconcileData = z.object({
  installationId: z.number().int().positive(),
  owner: z.string().min(1).max(100),
  repo: z.string().min(1).max(100),
});

const jobId = (slug: string) => `reconcile:${slug.toLowerCase()}`;
const dueKey = (slug: string) => `reconcile-due:${slug.toLowerCase()}`;

export const reconcileEveryMs = (intervalMs: number) => intervalMs * RECONCILE_EVERY_INTERVALS;

/**
 * Makes sure the repository's reconciliation runs within RECONCILE_EVERY_INTERVALS intervals
 * (without postponing a pending one). The first run falls anywhere in that period (`random`, 0..1):
 * repositories whose pull requests open together (an incident, an installation) are then listed at
 * moments spread over the period, each once a period after, not all in the same second every time.
 */
export async function ensureReconciliation(
  store: Store,
  installationId: number,
  owner: string,
  repo: string,
  intervalMs: number,
  random: () => number,
): Promise<void> {
  const slug = `${owner}/${repo}`;
  if ((await store.get(dueKey(slug))) === '1') return;
  const every = reconcileEveryMs(intervalMs);
  await scheduleReconciliation(store, { installationId, owner, repo }, Math.max(1, Math.round(every * (1 - random()))));
}

async function scheduleReconciliation(store: Store, data: { installationId: number; owner: string; repo: string }, delayMs: number): Promise<void> {
  const slug = `${data.owner}/${data.repo}`;
  await store.jobs.schedule({ id: jobId(slug), kind: RECONCILE_JOB_KIND, data }, delayMs);
  await store.set(dueKey(slug), '1', Math.max(1, delayMs));
}

/** What a listing of open pull requests changes in a repository's index (pure). */
export interface Correction {
  index: RepoIndex;
  /** Open pull requests whose head or labels the index had wrong, or did not have: each is re-checked on its own. */
  corrected: number[];
  /** Pull requests the index had that are no longer open. */
  closed: number[];
}

/**
 * Corrects the index from GitHub's listing. The listing wins, except over an entry the webhooks
 * updated after the listing was taken (a newer `updatedAt`). `complete`: the listing holds every
 * open pull request, so an indexed one missing from it is closed.
 */
export function correctIndex(
  index: RepoIndex | undefined,
  installationId: number,
  listed: Map<number, IndexedPullRequest>,
  complete: boolean,
  max = MAX_INDEXED_PER_REPO,
): Correction {
  const prs: Record<string, IndexedPullRequest> = {};
  const corrected: number[] = [];
  for (const [number, view] of listed) {
    const known = index?.prs[number];
    if (known && Date.parse(known.updatedAt) > Date.parse(view.updatedAt)) prs[number] = known;
    else {
      if (!known || !sameView(known, view)) corrected.push(number);
      prs[number] = view;
    }
    if (Object.keys(prs).length >= max) break;
  }
  const closed: number[] = [];
  for (const [number, known] of Object.entries(index?.prs ?? {})) {
    if (prs[number]) continue;
    if (complete) closed.push(Number(number));
    else prs[number] = known;
  }
  return { index: { installationId, prs }, corrected, closed };
}

/**
 * The reconciliation job: lists a repository's open pull requests (100 per request), corrects the
 * index (a missed `synchronize`, `labeled`, `opened` or `closed`), and re-checks each pull request
 * it corrected from GitHub's current state. Put off while the installation is low on GitHub budget.
 * Comes back every RECONCILE_EVERY_INTERVALS intervals while the repository has open pull requests.
 */
export function reconcileJobHandler(services: GateServices, log: Logger) {
  return async (job: Job): Promise<void> => {
    const parsed = reconcileData.safeParse(job.data);
    if (!parsed.success) throw new DropJob(`malformed reconciliation data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const data = parsed.data;
    const { installationId, owner, repo } = data;
    const slug = `${owner}/${repo}`;
    const every = reconcileEveryMs(services.recheckIntervalMs);
    if (services.rateLimits?.low(installationId)) {
      log.info({ repo: slug }, 'reconciliation put off: the installation is low on GitHub budget');
      return scheduleReconciliation(services.store, data, every);
    }
    const octokit = await services.auth(installationId);
    const listed = new Map<number, IndexedPullRequest>();
    let complete = true;
    const pages = Math.ceil(MAX_INDEXED_PER_REPO / PER_PAGE);
    await call(`listing the open pull requests of ${slug}`, async () => {
      let page = 0;
      for await (const { data: prs } of octokit.paginate.iterator(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: PER_PAGE })) {
        for (const pr of prs) listed.set(pr.number, { sha: pr.head.sha, labels: pr.labels.map((l) => l.name), updatedAt: pr.updated_at });
        if (++page >= pages) {
          complete = prs.length < PER_PAGE;
          break;
        }
      }
    });
    const { corrected, closed, index } = await updateIndex(services.store, slug, (current) => {
      const correction = correctIndex(current, installationId, listed, complete);
      return { index: correction.index, result: correction };
    });
    // A corrected pull request is gated on its own from GitHub's state (and goes back to its group from there).
    // A closed one leaves its group at the group's next run.
    await Promise.all(corrected.map((number, i) => services.store.jobs.schedule(pullRequestRecheck({ installationId, owner, repo, number }), i * SPREAD_MS)));
    if (corrected.length + closed.length > 0) log.info({ repo: slug, corrected, closed }, 'reconciliation corrected the index');
    if (Object.keys(index.prs).length === 0) return void (await services.store.set(dueKey(slug), '', 1));
    // Exactly a period on: the first run already spread the repositories (ensureReconciliation).
    await scheduleReconciliation(services.store, data, every);
  };
}

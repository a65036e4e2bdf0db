import type { GateServices } from '../handlers/services.js';
import { forgetPullRequest, recordPullRequest, type IndexedPullRequest } from './pr-index.js';
import { ensureReconciliation } from './reconcile.js';

/** A pull request event's view of an open pull request goes into the index, and its repository gets reconciled from time to time. */
export async function indexPullRequest(
  services: Pick<GateServices, 'store' | 'recheckIntervalMs' | 'gateGroups' | 'random'>,
  ref: { installationId: number; owner: string; repo: string; number: number },
  head: IndexedPullRequest,
): Promise<void> {
  if (services.gateGroups === false) return; // only gate groups read the index
  await recordPullRequest(services.store, ref.installationId, `${ref.owner}/${ref.repo}`, ref.number, head);
  await ensureReconciliation(services.store, ref.installationId, ref.owner, ref.repo, services.recheckIntervalMs, services.random);
}

/** A closed pull request leaves the index (and, at its group's next run, its group). */
export async function unindexPullRequest(services: Pick<GateServices, 'store'>, ref: { owner: string; repo: string; number: number }): Promise<void> {
  await forgetPullRequest(services.store, `${ref.owner}/${ref.repo}`, ref.number);
}

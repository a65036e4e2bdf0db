import type { Store } from '../state/store.js';

/** What the gate needs to know of an open pull request, as the webhooks (or the last reconciliation) said. */
export interface IndexedPullRequest {
  sha: string;
  labels: string[];
  /** RFC 3339; an older report never replaces a newer one. */
  updatedAt: string;
}

/** One repository's open pull requests, kept as one record so they can be listed without asking GitHub. */
export interface RepoIndex {
  installationId: number;
  prs: Record<string, IndexedPullRequest>;
}

/** Pull requests one repository's record holds at most; more are gated one by one, as before. */
export const MAX_INDEXED_PER_REPO = 5_000;
/** A record nothing touched for this long (no event, no reconciliation) is forgotten. */
const INDEX_TTL_MS = 30 * 86_400_000;
const MAX_LABELS = 100;

const indexKey = (slug: string) => `pr-index:${slug.toLowerCase()}`;

/** The record of a repository's open pull requests, or undefined when none is kept. */
export async function readIndex(store: Store, slug: string): Promise<RepoIndex | undefined> {
  return parseIndex(await store.get(indexKey(slug)));
}

/**
 * Changes one repository's record under its lock (so events and reconciliations do not lose each
 * other's changes). `change` returns the new record, or undefined to leave it as it was.
 */
export async function updateIndex<T>(store: Store, slug: string, change: (index: RepoIndex | undefined) => { index?: RepoIndex; result: T }): Promise<T> {
  return store.withLock(indexKey(slug), async () => {
    const { index, result } = change(await readIndex(store, slug));
    if (index) await store.set(indexKey(slug), JSON.stringify(index), INDEX_TTL_MS);
    return result;
  });
}

/**
 * Puts a pull request's head and labels in the index, unless the index already holds a newer view
 * of it. False when the repository's record is full and the pull request is not in it.
 */
export async function recordPullRequest(store: Store, installationId: number, slug: string, number: number, head: IndexedPullRequest): Promise<boolean> {
  return updateIndex(store, slug, (index) => withPullRequest(index, installationId, number, head));
}

/** Drops a pull request from the index (it was closed). */
export async function forgetPullRequest(store: Store, slug: string, number: number): Promise<void> {
  await updateIndex(store, slug, (index) => {
    if (!index?.prs[number]) return { result: undefined };
    const { [number]: _gone, ...prs } = index.prs;
    return { index: { ...index, prs }, result: undefined };
  });
}

/** The record with this pull request's newer view in it (pure); `result` false when it did not fit. */
export function withPullRequest(
  index: RepoIndex | undefined,
  installationId: number,
  number: number,
  head: IndexedPullRequest,
  max = MAX_INDEXED_PER_REPO,
): { index?: RepoIndex; result: boolean } {
  const known = index?.prs[number];
  if (known && !isNewer(head, known)) return { result: true };
  if (known && sameView(known, head)) return { result: true };
  const prs = index?.prs ?? {};
  if (!known && Object.keys(prs).length >= max) return { result: false };
  return { index: { installationId, prs: { ...prs, [number]: bounded(head) } }, result: true };
}

/** Same head and labels (the time aside). */
export function sameView(a: IndexedPullRequest, b: IndexedPullRequest): boolean {
  return a.sha === b.sha && a.labels.length === b.labels.length && a.labels.every((label) => b.labels.includes(label));
}

/** At least as new as `than`; an unreadable time is never newer. */
function isNewer(view: IndexedPullRequest, than: IndexedPullRequest): boolean {
  const at = Date.parse(view.updatedAt);
  const known = Date.parse(than.updatedAt);
  return Number.isFinite(at) && (!Number.isFinite(known) || at >= known);
}

function bounded(head: IndexedPullRequest): IndexedPullRequest {
  return { sha: head.sha, labels: head.labels.slice(0, MAX_LABELS), updatedAt: head.updatedAt };
}

function parseIndex(text: string | undefined): RepoIndex | undefined {
  if (!text) return undefined;
  const value = JSON.parse(text) as Partial<RepoIndex>;
  if (typeof value.installationId !== 'number' || typeof value.prs !== 'object' || value.prs === null) return undefined;
  return { installationId: value.installationId, prs: value.prs };
}

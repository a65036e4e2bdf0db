import { describe, expect, it } from 'vitest';
import { withPullRequest, type RepoIndex } from '../../src/org/pr-index.js';
import { correctIndex } from '../../src/org/reconcile.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const view = (sha: string, updatedAt: string, labels: string[] = []) => ({ sha, labels, updatedAt });
const index = (prs: RepoIndex['prs']): RepoIndex => ({ installationId: 1, prs });

describe('the pull request index, from webhooks', () => {
  it.each([
    ['records a pull request it did not know', undefined, view(A, '2026-11-22T10:00:00Z'), true, A],
    ['takes a newer head', index({ 2: view(A, '2026-11-22T10:00:00Z') }), view(B, '2026-11-22T10:00:01Z'), true, B],
    ['takes a head reported at the same moment', index({ 2: view(A, '2026-11-22T10:00:00Z') }), view(B, '2026-11-22T10:00:00Z'), true, B],
    ['keeps its newer view when a late event reports an older one', index({ 2: view(B, '2026-11-22T10:00:01Z') }), view(A, '2026-11-22T10:00:00Z'), true, B],
    ['ignores an event whose time cannot be read', index({ 2: view(B, '2026-11-22T10:00:01Z') }), view(A, 'yesterday'), true, B],
  ])('%s', (_story, before, head, kept, sha) => {
    const { index: after, result } = withPullRequest(before, 1, 2, head);
    expect(result).toBe(kept);
    expect((after ?? before)?.prs[2]?.sha).toBe(sha);
  });

  it('refuses a new pull request once the repository holds the most it keeps, and still updates those it has', () => {
    const full = index({ 1: view(A, '2026-11-22T10:00:00Z'), 2: view(A, '2026-11-22T10:00:00Z') });
    expect(withPullRequest(full, 1, 3, view(A, '2026-11-22T10:00:00Z'), 2)).toEqual({ result: false });
    expect(withPullRequest(full, 1, 2, view(B, '2026-11-22T10:00:01Z'), 2).index?.prs[2]?.sha).toBe(B);
  });

  it('writes nothing when the event says what the index already holds', () => {
    const known = index({ 2: view(A, '2026-11-22T10:00:00Z', ['bug']) });
    expect(withPullRequest(known, 1, 2, view(A, '2026-11-22T10:00:05Z', ['bug'])).index).toBeUndefined();
  });
});

describe('reconciliation of the index with the listing of open pull requests', () => {
  const listed = (entries: Array<[number, ReturnType<typeof view>]>) => new Map(entries);

  it('corrects a head whose synchronize webhook was missed, and re-checks that pull request', () => {
    const result = correctIndex(index({ 2: view(A, '2026-11-22T10:00:00Z') }), 1, listed([[2, view(B, '2026-11-22T10:05:00Z')]]), true);
    expect(result.index.prs[2]?.sha).toBe(B);
    expect(result.corrected).toEqual([2]);
  });

  it('corrects labels whose labeled webhook was missed', () => {
    const result = correctIndex(index({ 2: view(A, '2026-11-22T10:00:00Z') }), 1, listed([[2, view(A, '2026-11-22T10:05:00Z', ['hotfix'])]]), true);
    expect(result.index.prs[2]?.labels).toEqual(['hotfix']);
    expect(result.corrected).toEqual([2]);
  });

  it('adds an open pull request whose opened webhook was missed, and drops one that was closed', () => {
    const result = correctIndex(index({ 1: view(A, '2026-11-22T10:00:00Z') }), 1, listed([[3, view(B, '2026-11-22T10:05:00Z')]]), true);
    expect(Object.keys(result.index.prs)).toEqual(['3']);
    expect(result).toMatchObject({ corrected: [3], closed: [1] });
  });

  it('keeps what a webhook reported after the listing was taken', () => {
    const result = correctIndex(index({ 2: view(B, '2026-11-22T10:06:00Z') }), 1, listed([[2, view(A, '2026-11-22T10:05:00Z')]]), true);
    expect(result.index.prs[2]?.sha).toBe(B);
    expect(result.corrected).toEqual([]);
  });

  it('closes nothing when the listing stopped before the end', () => {
    const result = correctIndex(index({ 1: view(A, '2026-11-22T10:00:00Z') }), 1, listed([[3, view(B, '2026-11-22T10:05:00Z')]]), false);
    expect(Object.keys(result.index.prs).sort()).toEqual(['1', '3']);
    expect(result.closed).toEqual([]);
  });

  it('changes nothing and re-checks nothing when the index was right', () => {
    const result = correctIndex(index({ 2: view(A, '2026-11-22T10:00:00Z', ['bug']) }), 1, listed([[2, view(A, '2026-11-22T10:00:00Z', ['bug'])]]), true);
    expect(result).toMatchObject({ corrected: [], closed: [] });
  });
});

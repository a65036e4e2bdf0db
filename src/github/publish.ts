import type { Logger } from 'probot';
import { GitHubError } from '../errors.js';
import { stateOf, type Report } from '../gate/report.js';
import type { Policy } from '../policy/schema.js';
import { renderComment, type CommentContext } from '../render/comment.js';
import { describeReport } from '../render/describe.js';
import { reportDetailsUrl, type DetailsLinks } from '../details/link.js';
import type { Store } from '../state/store.js';
import type { Telemetry } from '../telemetry.js';
import { writeCheckRun, type CheckRuns } from './check-run.js';
import type { CommitStatus, CommitStatuses } from './commit-status.js';
import type { PullRequestGitHub } from './pull-request.js';

export const DEFAULT_CONTEXT = 'slo-gate';
const MEMO_TTL_MS = 30 * 86_400_000;

/**
 * Whether the report deserves a new summary comment under the policy's `comment:` setting.
 * An unusable policy or a failed evaluation is always explained: nobody could act on it otherwise.
 */
export function wantsNewComment(report: Report, setting: Policy['comment'] | undefined): boolean {
  if (report.kind !== 'verdict') return setting !== 'never' || report.kind === 'invalid-policy';
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  const { verdict } = report;
  return verdict.state !== 'success' || verdict.bypass !== undefined || verdict.wouldBe === 'block' || verdict.wouldBe === 'missing';
}

export interface Publication {
  repo: string;
  number: number;
  sha: string;
  /** The context to write under: the policy's, or the last one this repository's policy named. */
  context: string;
  policy: Policy | undefined;
  recheckEveryMs: number | undefined;
  /** Compare with what GitHub shows rather than with our own memo (re-checks: someone else may have written). */
  compareWithGitHub: boolean;
  /** False once a newer head of the pull request has arrived: then nothing more is written. */
  stillCurrent: () => Promise<boolean>;
  /** What only the pull-request door adds (targets/pull-request-extras.ts); absent elsewhere. */
  extras?: PublicationExtras;
  /** Write the status and not the comment (yet): a gate group reopening writes every status before any comment. */
  statusOnly?: boolean;
  /** `check-run`: the status is a check run of this app instead (src/github/check-run.ts); default `status`. */
  report?: 'status' | 'check-run';
  /** A Re-run was asked for: the check run is written again even when it would show the same. */
  rerequested?: boolean;
}

export interface PublicationExtras {
  /** Replaces the verdict's status description: a pull request that no SLO gates. */
  description?: string;
  /** The SLOs that apply to the pull request (paths) and the policy preview. */
  comment?: Pick<CommentContext, 'scope' | 'preview'>;
  /** Write the summary comment even when the verdict alone would not: there is a policy preview to show. */
  wantsComment?: boolean;
}

export interface StatusSink {
  statuses: CommitStatuses;
  /** Details links (PUBLIC_URL set): the status's target_url and the comment's link; absent: none. */
  details?: DetailsLinks;
  store: Store;
  telemetry: Telemetry;
  log: Logger;
}

export interface Sink extends StatusSink {
  github: PullRequestGitHub;
  /** This app's check runs in the repository (`report: check-run`); absent when the app id is not known. */
  checks?: CheckRuns;
}

/** GitHub answers 422 to a status for a commit it no longer has (force-pushed away): nothing can carry one. */
export function commitGone(error: unknown): boolean {
  return (error as { status?: unknown }).status === 422;
}

/** A status we wrote, remembered so the same one is not written twice. */
export type StatusMemo = Pick<CommitStatus, 'context' | 'state' | 'description'>;

export const statusMemoKey = (repo: string, sha: string, context: string) => `status:${repo}@${sha}:${context}`;
const commentMemoKey = (repo: string, number: number) => `comment:${repo}#${number}`;

/**
 * Writes the one commit status, then creates or edits the one summary comment. Skips a write when
 * GitHub already shows exactly that (same state and description on this SHA, same comment text).
 */
export async function publish(sink: Sink, report: Report, publication: Publication): Promise<void> {
  const { repo, sha, policy, context, stillCurrent } = publication;
  if (!(await stillCurrent())) return;
  const targetUrl = await reportDetailsUrl(sink.details, { repo, sha }, report);
  const description = publication.extras?.description ?? describeReport(report);
  const comment = () =>
    renderComment(report, { sha, bypass: policy?.bypass, recheckEveryMs: publication.recheckEveryMs, ...publication.extras?.comment, detailsUrl: targetUrl });
  if (publication.report === 'check-run') {
    if (!sink.checks) throw new GitHubError('slo-gate cannot write check runs without knowing its app id (GET /app)', undefined);
    const run = { name: context, state: stateOf(report), title: description, summary: comment(), detailsUrl: targetUrl, pullRequest: publication.number };
    await writeCheckRun({ ...sink, checks: sink.checks }, repo, sha, run, { force: publication.rerequested });
  } else await writeStatus(sink, repo, sha, { context, state: stateOf(report), description, targetUrl }, publication);
  if (publication.statusOnly) return;
  if (policy?.comment === 'never' && report.kind === 'verdict') return;
  if (!(await stillCurrent())) return; // the status stays on its own head; the shared comment is the newer head's
  const body = comment();
  await writeComment(sink, publication, body, wantsNewComment(report, policy?.comment) || publication.extras?.wantsComment === true);
}

/**
 * Writes a commit status unless it is already there. "Already there" is our memo of what we wrote,
 * or, with `compareWithGitHub`, what GitHub shows now: a re-check re-asserts the gate's answer even
 * when someone else wrote a status under the same context since.
 */
export async function writeStatus(
  { statuses, store, telemetry }: StatusSink,
  repo: string,
  sha: string,
  status: StatusMemo & Pick<CommitStatus, 'targetUrl'>,
  { compareWithGitHub = false }: { compareWithGitHub?: boolean } = {},
): Promise<void> {
  const key = statusMemoKey(repo, sha, status.context);
  const text = JSON.stringify(status);
  const same = compareWithGitHub ? await shownOnGitHub(statuses, sha, status) : (await store.get(key)) === text;
  if (same) {
    telemetry.skippedWrite('status');
    if (compareWithGitHub) await store.set(key, text, MEMO_TTL_MS);
    return;
  }
  await statuses.set(sha, status);
  telemetry.wroteToGitHub('status');
  await store.set(key, text, MEMO_TTL_MS);
}

async function shownOnGitHub(statuses: CommitStatuses, sha: string, status: StatusMemo): Promise<boolean> {
  const shown = await statuses.read(sha, status.context);
  return shown?.state === status.state && shown.description === status.description;
}

/** The status we last wrote under `context` on this SHA, if we remember one. */
export async function lastStatus(store: Store, repo: string, sha: string, context: string): Promise<StatusMemo | undefined> {
  const memo = await store.get(statusMemoKey(repo, sha, context));
  return memo ? (JSON.parse(memo) as StatusMemo) : undefined;
}

async function writeComment({ github, store, telemetry }: Sink, { repo, number }: Publication, body: string, create: boolean): Promise<void> {
  const key = commentMemoKey(repo, number);
  const memo = parseMemo(await store.get(key));
  if (memo?.id === null && !create) return; // looked before: there is no comment, and none is wanted
  if (memo?.id != null && memo.body === body) {
    telemetry.skippedWrite('comment');
    return;
  }
  if (memo?.id != null && (await update(github, memo.id, body))) {
    telemetry.wroteToGitHub('comment-update');
    await store.set(key, JSON.stringify({ id: memo.id, body }), MEMO_TTL_MS);
    return;
  }
  const existing = memo?.id === null ? undefined : await github.findSummaryComment();
  if (existing) {
    if (existing.body === body) telemetry.skippedWrite('comment');
    else if (await update(github, existing.id, body)) telemetry.wroteToGitHub('comment-update');
    else return; // deleted a moment ago: the next evaluation creates it again
    await store.set(key, JSON.stringify({ id: existing.id, body }), MEMO_TTL_MS);
  } else if (create) {
    const id = await github.createComment(body);
    telemetry.wroteToGitHub('comment-create');
    await store.set(key, JSON.stringify({ id, body }), MEMO_TTL_MS);
  } else {
    // Remember that there is none, so a passing pull request is not asked for its comments again.
    await store.set(key, JSON.stringify({ id: null, body: '' }), MEMO_TTL_MS);
  }
}

/** Edits a comment; false when it no longer exists (someone deleted it), so it is looked up again. */
async function update(github: PullRequestGitHub, id: number, body: string): Promise<boolean> {
  try {
    await github.updateComment(id, body);
    return true;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return false;
    throw error;
  }
}

/** The comment we wrote last (its id and text), or `id: null` when we looked and there was none. */
function parseMemo(text: string | undefined): { id: number | null; body: string } | undefined {
  if (!text) return undefined;
  const memo = JSON.parse(text) as { id?: unknown; body?: unknown };
  return (typeof memo.id === 'number' || memo.id === null) && typeof memo.body === 'string' ? { id: memo.id, body: memo.body } : undefined;
}

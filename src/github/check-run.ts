import { createHash } from 'node:crypto';
import type { GateState } from '../gate/types.js';
import type { Store } from '../state/store.js';
import type { Telemetry } from '../telemetry.js';
import { call, gitHubError } from './errors.js';
import type { Octokit } from './pull-request.js';

/** GitHub refuses a check run's output.title or output.summary over 65,535 characters. */
export const MAX_SUMMARY_CHARS = 65_535;
const MAX_TITLE_CHARS = 1_000;
const MEMO_TTL_MS = 30 * 86_400_000;

/** What `report: check-run` shows on a head: the same answer as the commit status, with the comment as its summary. */
export interface CheckRunReport {
  /** The policy's `context`: what branch protection requires. */
  name: string;
  state: GateState | 'pending';
  /** The status description. */
  title: string;
  /** The summary comment's Markdown. */
  summary: string;
  detailsUrl?: string;
  /** The pull request it is for: a Re-run of a fork's head finds its pull request by it (the payload lists none). */
  pullRequest: number;
}

/**
 * How a gate state shows as a check run. Branch protection counts `success`, `neutral` and `skipped`
 * as passing a required check, so everything that must block is `failure` (an `error` too: its
 * title says so), and a state still undecided stays `in_progress` (not completed: it blocks).
 */
export function checkRunState(state: CheckRunReport['state']): { status: 'completed'; conclusion: 'success' | 'failure' } | { status: 'in_progress' } {
  if (state === 'pending') return { status: 'in_progress' };
  return { status: 'completed', conclusion: state === 'success' ? 'success' : 'failure' };
}

/** Keeps a summary within GitHub's limit, cutting at a line and saying so. */
export function boundSummary(summary: string, limit = MAX_SUMMARY_CHARS): string {
  if (summary.length <= limit) return summary;
  const notice = '\n\n_The rest of this summary is left out: it is longer than a check run can show._';
  const cut = summary.slice(0, limit - notice.length);
  const line = cut.lastIndexOf('\n');
  return `${line > 0 ? cut.slice(0, line) : cut}${notice}`;
}

/** The check runs of one repository this app writes. */
export interface CheckRuns {
  /** Our check run named `name` on `sha` (by app id), if there is one. */
  find(sha: string, name: string): Promise<number | undefined>;
  create(sha: string, run: CheckRunReport): Promise<number>;
  /** False when the check run is gone (404), so it is created again. */
  update(id: number, run: CheckRunReport): Promise<boolean>;
}

export function checkRuns(octokit: Octokit, { owner, repo }: { owner: string; repo: string }, appId: () => Promise<number>, now: () => number): CheckRuns {
  const body = (run: CheckRunReport) => {
    const state = checkRunState(run.state);
    return {
      name: run.name,
      external_id: String(run.pullRequest),
      ...state,
      ...(state.status === 'completed' ? { completed_at: new Date(now()).toISOString() } : {}),
      ...(run.detailsUrl ? { details_url: run.detailsUrl } : {}),
      output: { title: run.title.slice(0, MAX_TITLE_CHARS) || run.name, summary: boundSummary(run.summary) },
    };
  };
  return {
    async find(sha, name) {
      const app_id = await appId();
      const { data } = await call(`listing the check runs of ${sha.slice(0, 7)}`, () =>
        octokit.rest.checks.listForRef({ owner, repo, ref: sha, check_name: name, app_id, filter: 'latest', per_page: 100 }),
      );
      return data.check_runs.find((run) => run.name === name && run.app?.id === app_id)?.id;
    },
    async create(sha, run) {
      const { data } = await call(`creating check run ${run.name} on ${sha.slice(0, 7)}`, () =>
        octokit.rest.checks.create({ owner, repo, head_sha: sha, ...body(run) }),
      );
      return data.id;
    },
    async update(id, run) {
      try {
        await octokit.rest.checks.update({ owner, repo, check_run_id: id, ...body(run) });
        return true;
      } catch (error) {
        if ((error as { status?: unknown }).status === 404) return false;
        throw gitHubError(`updating check run ${run.name}`, error);
      }
    },
  };
}

export interface CheckRunSink {
  checks: CheckRuns;
  store: Store;
  telemetry: Telemetry;
}

/** Our check run on a head, remembered: its id, the state it shows and a digest of all it shows. */
interface CheckRunMemo {
  id: number;
  state: CheckRunReport['state'];
  digest: string;
}

const memoKey = (repo: string, sha: string, name: string) => `check-run:${repo}@${sha}:${name}`;
const digestOf = (run: CheckRunReport) =>
  createHash('sha256')
    .update(JSON.stringify([run.state, run.title, run.summary, run.detailsUrl ?? '']))
    .digest('base64url');

/**
 * One check run per head and name: created once, then updated in place, and only when what it
 * shows changed, or when `force`d (a Re-run: GitHub set the suite back to queued and waits for an
 * update). Nobody else can edit our check run, so the memo is the truth; without one (a new
 * replica's empty store) ours is looked up by name and app before one is created.
 */
export async function writeCheckRun(
  { checks, store, telemetry }: CheckRunSink,
  repo: string,
  sha: string,
  run: CheckRunReport,
  { force = false }: { force?: boolean } = {},
): Promise<void> {
  const key = memoKey(repo, sha, run.name);
  const memo = parseMemo(await store.get(key));
  const digest = digestOf(run);
  if (memo?.digest === digest && !force) {
    telemetry.skippedWrite('check-run');
    return;
  }
  let id = memo?.id ?? (await checks.find(sha, run.name));
  if (id !== undefined && !(await checks.update(id, run))) id = undefined;
  id ??= await checks.create(sha, run);
  telemetry.wroteToGitHub('check-run');
  await store.set(key, JSON.stringify({ id, state: run.state, digest } satisfies CheckRunMemo), MEMO_TTL_MS);
}

/** The state of the check run we last wrote named `name` on this head, if we remember one. */
export async function lastCheckRunState(store: Store, repo: string, sha: string, name: string): Promise<CheckRunReport['state'] | undefined> {
  return parseMemo(await store.get(memoKey(repo, sha, name)))?.state;
}

const reportKey = (slug: string) => `report:${slug}`;
const REPORT_TTL_MS = 90 * 86_400_000;

/** Remembers how this repository's policy reports, so an unusable policy later still fails where the required check looks. */
export async function rememberReportMode(store: Store, slug: string, mode: 'status' | 'check-run'): Promise<void> {
  await store.set(reportKey(slug), mode, REPORT_TTL_MS);
}

/** How this repository's policy reported last; `status` when it never said otherwise. */
export async function lastReportMode(store: Store, slug: string): Promise<'status' | 'check-run'> {
  return (await store.get(reportKey(slug))) === 'check-run' ? 'check-run' : 'status';
}

function parseMemo(text: string | undefined): CheckRunMemo | undefined {
  if (!text) return undefined;
  const memo = JSON.parse(text) as Partial<Record<keyof CheckRunMemo, unknown>>;
  const states: unknown[] = ['success', 'failure', 'error', 'pending'];
  return typeof memo.id === 'number' && typeof memo.digest === 'string' && states.includes(memo.state)
    ? { id: memo.id, state: memo.state as CheckRunMemo['state'], digest: memo.digest }
    : undefined;
}

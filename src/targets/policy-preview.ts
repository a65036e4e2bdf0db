import { createHash } from 'node:crypto';
import { backtest } from '../backtest/backtest.js';
import type { PolicyProblem } from '../errors.js';
import { evaluate } from '../evaluate.js';
import type { GateState, SloState } from '../gate/types.js';
import { call } from '../github/errors.js';
import { readHeadFile, readHeadPolicy } from '../github/head-policy.js';
import type { Octokit } from '../github/pull-request.js';
import type { RangeSource, TimeRange } from '../metrics/range-source.js';
import type { MetricsSource } from '../metrics/source.js';
import { parseBoundedYaml } from '../policy/bounded-yaml.js';
import { checkPolicy, isPlainObject, POLICY_PATH } from '../policy/parse-policy.js';
import type { ChangedFiles } from '../policy/paths.js';
import type { Policy } from '../policy/schema.js';
import { readSourceFiles, referencedFiles, type SourceRead } from '../policy/slo-sources/resolve.js';
import type { Store } from '../state/store.js';

export const PREVIEW_DAYS = 7;
const STEP_SECONDS = 300;
/** The whole preview (both policies now, both backtests) gives up after this; the verdict never waits longer for it. */
export const PREVIEW_DEADLINE_MS = 30_000;
/** A complete preview serves every re-check of the head; one that failed in part is tried again after a while. */
const COMPLETE_TTL_MS = 86_400_000;
const INCOMPLETE_TTL_MS = 600_000;

/** One SLO as a policy judges it now. */
export interface SloNow {
  slo: string;
  state: SloState;
  /** Fraction of the error budget left, when measured. */
  budgetLeft?: number;
}

export type PreviewSide = { kind: 'judged'; state: GateState; slos: SloNow[] } | { kind: 'unusable' } | { kind: 'failed'; message: string };

export interface BacktestFigures {
  secondsBlocked: number;
  secondsInError: number;
  episodes: number;
}

export type BacktestSide = { kind: 'ran'; figures: BacktestFigures } | { kind: 'unusable' } | { kind: 'failed'; message: string };

/** What a pull request's own `.github/slo-gate.yml` would do, next to the policy in force. Plain data, cached as JSON. */
export interface PolicyPreview {
  /** When it was made (ISO 8601): the "now" columns and the backtest's end. */
  at: string;
  /** The head's file: deleted by the pull request, unusable (with every problem), or usable; absent when `failed`. */
  proposed?: { kind: 'removed' } | { kind: 'invalid'; problems: PolicyProblem[] } | { kind: 'valid' };
  /** Why the preview could not be made at all (GitHub failed, or it took too long). */
  failed?: string;
  /** What the preview could not take into account. */
  notes: string[];
  now?: { current: PreviewSide; proposed: PreviewSide };
  backtest?: { days: number; current: BacktestSide; proposed: BacktestSide } | { unavailable: string };
}

export interface PreviewInputs {
  octokit: Octokit;
  pr: { owner: string; repo: string; number: number; sha: string };
  /** The policy in force (default branch); undefined when it cannot be used. */
  current: Policy | undefined;
  metrics: MetricsSource;
  /** Range queries for the backtest; without one the preview says the backtest is unavailable. */
  range?: RangeSource;
  store: Store;
  now: () => number;
}

/** Whether the pull request changes the policy file: only then is a preview made. */
export function changesPolicy(changed: ChangedFiles | undefined): boolean {
  return changed?.kind === 'listed' && changed.files.includes(POLICY_PATH);
}

/**
 * The policy preview for one head, cached per (pull request, head, policy in force) so re-checks
 * do not make it again. Never throws for GitHub or Prometheus failing: the preview says so. Only
 * the store failing rejects.
 */
export async function policyPreview(inputs: PreviewInputs): Promise<PolicyPreview> {
  const { pr, current, store } = inputs;
  const key = `preview:${pr.owner}/${pr.repo}#${pr.number}@${pr.sha}:${fingerprint(current)}`;
  const cached = await store.get(key);
  if (cached) return JSON.parse(cached) as PolicyPreview;
  const preview = await withDeadline(makePreview(inputs), PREVIEW_DEADLINE_MS, inputs.now);
  await store.set(key, JSON.stringify(preview), incomplete(preview) ? INCOMPLETE_TTL_MS : COMPLETE_TTL_MS);
  return preview;
}

async function makePreview({ octokit, pr, current, metrics, range, now }: PreviewInputs): Promise<PolicyPreview> {
  const at = new Date(now()).toISOString();
  const read = await readHeadPolicy(octokit, pr, pr.sha).catch((error: unknown) => ({ kind: 'failed' as const, message: (error as Error).message }));
  if (read.kind === 'failed') return { at, notes: [], failed: read.message };
  if (read.kind === 'absent') return { at, proposed: { kind: 'removed' }, notes: [] };
  if (read.kind === 'refused') return { at, proposed: { kind: 'invalid', problems: [read.problem] }, notes: [] };
  const parsed = parseBoundedYaml(read.text);
  if (!parsed.ok) return { at, proposed: { kind: 'invalid', problems: [parsed.problem] }, notes: [] };
  const notes: string[] = [];
  let data = parsed.value ?? {};
  if (isPlainObject(data) && Object.hasOwn(data, '_extends')) {
    const { _extends: _ignored, ...rest } = data;
    data = rest;
    notes.push('This file has `_extends`: the preview checks it on its own, without the policy it extends.');
  }
  // Sloth and OpenSLO files the new policy references, as they are at the head too.
  const paths = referencedFiles(data);
  const sources = paths.length === 0 ? undefined : await readSourceFiles(paths, async (path) => sourceRead(await readHeadFile(octokit, pr, path, pr.sha)));
  const checked = checkPolicy(data, parsed.locate, sources);
  if (!checked.ok) return { at, proposed: { kind: 'invalid', problems: checked.issues.map((issue) => issue.problem) }, notes };
  const proposed = checked.policy;
  if (await fromFork(octokit, pr)) {
    // Anyone can open a pull request from a fork: its queries must not reach the operator's metrics
    // server before a maintainer merges them (the "now" column would read out any series there).
    notes.push(
      "The new policy is valid. It is not measured: this pull request comes from a fork, and a fork's queries are not sent to the metrics server before they are merged.",
    );
    return { at, proposed: { kind: 'valid' }, notes };
  }
  const end = Math.floor(now() / 1000 / STEP_SECONDS) * STEP_SECONDS;
  const span: TimeRange = { start: new Date((end - PREVIEW_DAYS * 86_400) * 1000), end: new Date(end * 1000), stepSeconds: STEP_SECONDS };
  const shared = range && sharedRange(range);
  const [nowCurrent, nowProposed, btCurrent, btProposed] = await Promise.all([
    judgeNow(current, metrics),
    judgeNow(proposed, metrics),
    shared && replay(current, shared, span),
    shared && replay(proposed, shared, span),
  ]);
  return {
    at,
    proposed: { kind: 'valid' },
    notes,
    now: { current: nowCurrent, proposed: nowProposed },
    backtest:
      btCurrent && btProposed
        ? { days: PREVIEW_DAYS, current: btCurrent, proposed: btProposed }
        : { unavailable: 'this slo-gate has no range queries to its metrics server configured' },
  };
}

async function judgeNow(policy: Policy | undefined, metrics: MetricsSource): Promise<PreviewSide> {
  if (!policy) return { kind: 'unusable' };
  try {
    const verdict = await evaluate({ policy: { ...policy, mode: 'enforce' }, metrics, deadlineMs: PREVIEW_DEADLINE_MS });
    return {
      kind: 'judged',
      state: verdict.state,
      slos: verdict.assessment.slos.map((s) => ({ slo: s.slo.name, state: s.state, ...(s.budget.left === undefined ? {} : { budgetLeft: s.budget.left }) })),
    };
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
}

async function replay(policy: Policy | undefined, source: RangeSource, span: TimeRange): Promise<BacktestSide> {
  if (!policy) return { kind: 'unusable' };
  try {
    const result = await backtest({ policy, source, range: span });
    if (result.stepsWithData === 0) return { kind: 'failed', message: `no step had data: ${result.firstMissing ?? 'missing data'}` };
    const { secondsBlocked, secondsInError, episodes } = result.totals;
    return { kind: 'ran', figures: { secondsBlocked, secondsInError, episodes } };
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
}

/** One range query per distinct query for both backtests: the two policies usually share most SLIs. */
function sharedRange(source: RangeSource): RangeSource {
  const sent = new Map<string, Promise<Map<number, number>>>();
  return {
    queryRange(query, span) {
      let answer = sent.get(query);
      if (!answer) sent.set(query, (answer = source.queryRange(query, span)));
      return answer;
    },
  };
}

/** Whether the pull request's head is in another repository (a fork, or one deleted since: GitHub then answers no head repository). */
async function fromFork(octokit: Octokit, pr: PreviewInputs['pr']): Promise<boolean> {
  const { data } = await call(`reading pull request #${pr.number}`, () => octokit.rest.pulls.get({ owner: pr.owner, repo: pr.repo, pull_number: pr.number }));
  return data.head.repo?.full_name.toLowerCase() !== `${pr.owner}/${pr.repo}`.toLowerCase();
}

function sourceRead(read: Awaited<ReturnType<typeof readHeadFile>>): SourceRead {
  if (read.kind === 'text') return read;
  if (read.kind === 'absent') return { kind: 'unusable', reason: "does not exist at the pull request's head", missing: true };
  return { kind: 'unusable', reason: read.problem.message.replace(/^the policy file /, '').replace(/^\S+ is not a file$/, 'is not a file') };
}

function incomplete(preview: PolicyPreview): boolean {
  const sides: Array<PreviewSide | BacktestSide | undefined> = [preview.now?.current, preview.now?.proposed];
  if (preview.backtest && 'current' in preview.backtest) sides.push(preview.backtest.current, preview.backtest.proposed);
  return preview.failed !== undefined || sides.some((side) => side?.kind === 'failed');
}

async function withDeadline(making: Promise<PolicyPreview>, ms: number, now: () => number): Promise<PolicyPreview> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<PolicyPreview>((resolve) => {
    timer = setTimeout(() => resolve({ at: new Date(now()).toISOString(), notes: [], failed: `it took longer than ${ms / 1000} s` }), ms);
    timer.unref();
  });
  try {
    return await Promise.race([making, late]);
  } finally {
    clearTimeout(timer);
  }
}

function fingerprint(policy: Policy | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify(policy ?? null))
    .digest('hex')
    .slice(0, 16);
}

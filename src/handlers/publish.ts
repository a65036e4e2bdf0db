import type { Logger } from 'probot';
import { stateOf, type Report } from '../gate/report.js';
import type { PullRequestGitHub } from '../github/pull-request.js';
import type { Policy } from '../policy/schema.js';
import { renderComment } from '../render/comment.js';
import { describeReport } from '../render/describe.js';

export const DEFAULT_CONTEXT = 'slo-gate';

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
  sha: string;
  policy: Policy | undefined;
}

/** Writes the one commit status, then creates or edits the one summary comment (only when its text changed). */
export async function publish(github: PullRequestGitHub, report: Report, { sha, policy }: Publication, log: Logger): Promise<void> {
  const state = stateOf(report);
  const description = describeReport(report);
  await github.setStatus(sha, { state, description, context: policy?.context ?? DEFAULT_CONTEXT });
  log.info({ sha, state, description }, 'slo-gate status written');

  const setting = policy?.comment;
  if (setting === 'never' && report.kind === 'verdict') return;
  const body = renderComment(report, { sha, bypass: policy?.bypass });
  const existing = await github.findSummaryComment();
  if (existing) {
    if (existing.body !== body) await github.updateComment(existing.id, body);
  } else if (wantsNewComment(report, setting)) {
    await github.createComment(body);
  }
}

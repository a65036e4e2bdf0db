import type { GateState } from '../gate/types.js';
import { call } from './errors.js';
import type { Octokit } from './pull-request.js';

export interface CommitStatus {
  context: string;
  state: GateState | 'pending';
  description: string;
  /** The Details link; omitted when there is none. */
  targetUrl?: string;
}

/** Commit statuses of one repository: what every gate target writes, whatever door it came through. */
export interface CommitStatuses {
  set(sha: string, status: CommitStatus): Promise<void>;
  /** What GitHub shows now for `context` on `sha` (its newest status), or undefined when it shows none. */
  read(sha: string, context: string): Promise<{ state: string; description: string } | undefined>;
}

export function commitStatuses(octokit: Octokit, { owner, repo }: { owner: string; repo: string }): CommitStatuses {
  return {
    async set(sha, { context, state, description, targetUrl }) {
      await call(`setting status ${context} on ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.createCommitStatus({ owner, repo, sha, state, description, context, ...(targetUrl ? { target_url: targetUrl } : {}) }),
      );
    },
    async read(sha, context) {
      // The combined status holds the newest status of each context, 100 contexts a page: one read.
      const { data } = await call(`reading the statuses of ${sha.slice(0, 7)}`, () =>
        octokit.rest.repos.getCombinedStatusForRef({ owner, repo, ref: sha, per_page: 100 }),
      );
      const ours = data.statuses.find((s) => s.context === context);
      return ours && { state: ours.state, description: ours.description ?? '' };
    },
  };
}

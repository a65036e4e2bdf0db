import type { Logger } from 'probot';
import { z } from 'zod';
import { pullRequestGitHub, type Octokit } from '../github/pull-request.js';
import type { Job } from '../state/store.js';
import { gatePullRequest } from './gate-pull-request.js';
import type { GateServices } from './services.js';

const recheckData = z.object({ installationId: z.number().int(), owner: z.string().min(1), repo: z.string().min(1), number: z.number().int().positive() });
export type RecheckData = z.infer<typeof recheckData>;

/**
 * Gates a pull request again, as it is now: its current head and labels from the API. A closed
 * pull request is left alone; a new head is gated as it is (a push also triggers its own event).
 */
export async function recheckPullRequest(services: GateServices, octokit: Octokit, data: RecheckData, log: Logger): Promise<void> {
  const head = await pullRequestGitHub(octokit, data).fetchHead();
  if (head.state !== 'open') {
    log.debug({ repo: `${data.owner}/${data.repo}`, pr: data.number }, 're-check skipped: the pull request is closed');
    return;
  }
  await gatePullRequest(services, octokit, { ...data, ...head }, log);
}

/** The job handler for scheduled re-checks: it authenticates as the installation the job was made for. */
export function recheckJob(services: GateServices, log: Logger) {
  return async (job: Job): Promise<void> => {
    const data = recheckData.parse(job.data);
    await recheckPullRequest(services, await services.auth(data.installationId), data, log);
  };
}

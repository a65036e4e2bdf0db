import type { Logger } from 'probot';
import { z } from 'zod';
import { pullRequestGitHub, type Octokit } from '../github/pull-request.js';
import type { Job } from '../state/store.js';
import { DropJob } from '../targets/durable.js';
import { runGate } from '../targets/gate-target.js';
import { pullRequestTarget, recheckJobId, type PullRequestRef } from '../targets/pull-request-target.js';
import type { GateServices } from './services.js';

const recheckData = z.object({
  installationId: z.number().int().positive(),
  owner: z.string().min(1).max(100),
  repo: z.string().min(1).max(100),
  number: z.number().int().positive(),
});
export type RecheckData = PullRequestRef;

/**
 * Gates a pull request again, as it is now: its current head and labels from the API. A closed
 * pull request is left alone; a new head is gated as it is (a push also triggers its own event).
 */
export async function recheckPullRequest(services: GateServices, octokit: Octokit, data: RecheckData, log: Logger): Promise<void> {
  const head = await pullRequestGitHub(octokit, data).fetchHead();
  if (head.state !== 'open') {
    await services.store.jobs.cancel(recheckJobId(data));
    log.debug({ repo: `${data.owner}/${data.repo}`, pr: data.number }, 're-check skipped: the pull request is closed');
    return;
  }
  await runGate(services, pullRequestTarget(services, octokit, { ...data, ...head, trigger: 'recheck' }, log), log);
}

/** The job handler for scheduled re-checks: it authenticates as the installation the job was made for. */
export function recheckJob(services: GateServices, log: Logger) {
  return async (job: Job): Promise<void> => {
    const parsed = recheckData.safeParse(job.data);
    if (!parsed.success) throw new DropJob(`malformed re-check data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    try {
      await recheckPullRequest(services, await services.auth(parsed.data.installationId), parsed.data, log);
    } catch (error) {
      // The pull request, repository or installation is gone: nothing is left to gate.
      const status = (error as { status?: unknown }).status;
      if (status === 404 || status === 410) throw new DropJob((error as Error).message);
      throw error;
    }
  };
}

import type { Context, Logger } from 'probot';
import { pullRequestGitHub } from '../github/pull-request.js';
import { runGate } from '../targets/gate-target.js';
import { pullRequestTarget } from '../targets/pull-request-target.js';
import { eventOctokit, installationOf } from './pull-request.js';
import type { GateServices } from './services.js';

/** A suite lists the pull requests of its head; a head in more than this many is re-run for these only. */
const MAX_PULL_REQUESTS = 10;
const PR_NUMBER = /^[1-9][0-9]{0,9}$/;

interface Rerun {
  installationId: number;
  owner: string;
  repo: string;
  headSha: string;
  numbers: number[];
}

/**
 * The Re-run button on our check run (`report: check-run`): gates its pull request again now, as
 * `/slo-gate recheck` does, and writes the check run again even when nothing changed (GitHub set its
 * suite back to queued). Another app's check run, and a Re-run of a head the pull request has
 * moved on from, are left alone: the newer head has its own check run.
 */
export function onCheckRunRerequested(services: GateServices) {
  return async (context: Context<'check_run.rerequested'>): Promise<void> => {
    const run = context.payload.check_run;
    const ours = await fromUs(services, run.app?.id, context.log);
    const installationId = installationOf(context.payload);
    if (!ours || installationId === undefined) return;
    // Ours carry their pull request's number (external_id); a fork's head lists no pull request in the payload.
    const numbers = PR_NUMBER.test(run.external_id ?? '') ? [Number(run.external_id)] : run.pull_requests.map((pr) => pr.number);
    await rerun(services, context, { installationId, ...repoOf(context), headSha: run.head_sha, numbers });
  };
}

/** "Re-run all checks" on our check suite: the same for each pull request the suite lists (none for a fork's head). */
export function onCheckSuiteRerequested(services: GateServices) {
  return async (context: Context<'check_suite.rerequested'>): Promise<void> => {
    const suite = context.payload.check_suite;
    const ours = await fromUs(services, suite.app?.id, context.log);
    const installationId = installationOf(context.payload);
    if (!ours || installationId === undefined) return;
    await rerun(services, context, { installationId, ...repoOf(context), headSha: suite.head_sha, numbers: suite.pull_requests.map((pr) => pr.number) });
  };
}

async function fromUs(services: GateServices, appId: number | null | undefined, log: Logger): Promise<boolean> {
  if (!services.appId || typeof appId !== 'number') return false;
  const ours = appId === (await services.appId());
  if (!ours) log.debug({ app: appId }, 'Re-run of another app’s check: ignored');
  return ours;
}

const repoOf = (context: { repo: () => { owner: string; repo: string } }) => ({ owner: context.repo().owner, repo: context.repo().repo });

async function rerun(services: GateServices, context: { id: string; log: Logger }, { installationId, owner, repo, headSha, numbers }: Rerun): Promise<void> {
  const octokit = await eventOctokit(services, context, installationId);
  for (const number of [...new Set(numbers)].filter((n) => Number.isSafeInteger(n) && n > 0).slice(0, MAX_PULL_REQUESTS)) {
    const ref = { installationId, owner, repo, number };
    const head = await pullRequestGitHub(octokit, ref).fetchHead();
    const where = { repo: `${owner}/${repo}`, pr: number, sha: headSha };
    if (head.state !== 'open' || head.sha !== headSha) {
      context.log.info({ ...where, head: head.sha, state: head.state }, 'Re-run ignored: the pull request is closed or has a newer head');
      continue;
    }
    context.log.info(where, 're-run requested');
    await runGate(services, pullRequestTarget(services, octokit, { ...ref, ...head, trigger: 'recheck', rerequested: true }, context.log), context.log);
  }
}

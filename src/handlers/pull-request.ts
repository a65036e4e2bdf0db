import type { Context } from 'probot';
import { StoreUnavailableError } from '../errors.js';
import type { Octokit } from '../github/pull-request.js';
import { indexPullRequest } from '../org/index-events.js';
import { durably } from '../targets/durable.js';
import { runGate } from '../targets/gate-target.js';
import { pullRequestRecheck, pullRequestTarget } from '../targets/pull-request-target.js';
import { answerWithoutStore, type StoreOutage } from '../targets/store-outage.js';
import type { WorkSlots } from '../targets/work-slots.js';
import type { GateServices } from './services.js';

export const PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.reopened',
  'pull_request.synchronize',
  'pull_request.ready_for_review',
  'pull_request.labeled',
  'pull_request.unlabeled',
  'pull_request.edited',
] as const;

/**
 * Gates the pull request's head commit from the webhook's own view of it. While the shared store
 * is unavailable, the head gets an `error` status and the re-check waits in `outage` for the store.
 * While no work slot is free for its installation (a burst), the pull request is indexed and its re-check queued,
 * due now: the webhook is answered at once, and the re-check gates the head GitHub shows then.
 */
export function onPullRequest(services: GateServices, outage: StoreOutage, slots: WorkSlots) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    const { payload } = context;
    if (payload.action === 'edited' && !('base' in (payload.changes ?? {}))) return; // a title or body edit changes nothing
    const pr = payload.pull_request;
    const installationId = installationOf(payload);
    if (pr.state !== 'open' || installationId === undefined) return;
    const ref = { installationId, ...context.repo({ number: pr.number }) };
    const recheck = pullRequestRecheck(ref);
    const request = {
      ...ref,
      sha: pr.head.sha,
      state: pr.state,
      updatedAt: pr.updated_at,
      labels: pr.labels.map((l) => l.name),
      labeledNow: payload.action === 'labeled' && payload.label ? { label: payload.label.name, actor: payload.sender.login, at: pr.updated_at } : undefined,
      trigger: 'event' as const,
    };
    const indexed = { sha: request.sha, labels: request.labels, updatedAt: request.updatedAt };
    const gate = async () => {
      try {
        await durably(services, recheck, async () => {
          await indexPullRequest(services, ref, indexed);
          const octokit = await eventOctokit(services, context, installationId);
          await runGate(services, pullRequestTarget(services, octokit, request, context.log), context.log);
        });
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        context.log.warn({ err: error, repo: `${ref.owner}/${ref.repo}`, pr: ref.number }, 'the shared store is unavailable: writing an error status');
        const octokit = await eventOctokit(services, context, installationId);
        await answerWithoutStore(outage, octokit, { owner: ref.owner, repo: ref.repo, sha: request.sha, recheck }, services.telemetry, context.log);
      }
    };
    await slots.admit(installationId, gate, async () => {
      await indexPullRequest(services, ref, indexed);
      await services.store.jobs.schedule(recheck, 0);
      context.log.debug(
        { repo: `${ref.owner}/${ref.repo}`, pr: ref.number },
        'no work slot is free for its installation: the pull request is queued for a re-check',
      );
    });
  };
}

/** The installation a webhook came through; every App delivery has one. */
export function installationOf(payload: object): number | undefined {
  const id = (payload as { installation?: { id?: unknown } }).installation?.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

/**
 * The installation's own Octokit (so Probot spaces its writes per installation), tagging every
 * request with the delivery id as `context.octokit` does, so GitHub's logs tie them to the event.
 */
export async function eventOctokit(services: Pick<GateServices, 'auth'>, context: { id: string }, installationId: number): Promise<Octokit> {
  const octokit = await services.auth(installationId);
  octokit.hook.before('request', (options) => {
    options.headers['x-github-delivery'] = context.id;
  });
  return octokit;
}

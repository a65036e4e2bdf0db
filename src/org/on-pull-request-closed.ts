import type { Context } from 'probot';
import { installationOf } from '../handlers/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { recheckJobId } from '../targets/pull-request-target.js';
import { unindexPullRequest } from './index-events.js';

/** A closed pull request leaves the index, and its own re-check (if it had one) is dropped. */
export function onPullRequestClosed(services: GateServices) {
  return async (context: Context<'pull_request.closed'>): Promise<void> => {
    if (installationOf(context.payload) === undefined) return;
    const ref = context.repo({ number: context.payload.pull_request.number });
    await unindexPullRequest(services, ref);
    await services.store.jobs.cancel(recheckJobId(ref));
  };
}

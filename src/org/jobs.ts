import type { Logger } from 'probot';
import type { GateServices } from '../handlers/services.js';
import type { JobHandler } from '../state/store.js';
import { DropJob } from '../targets/durable.js';
import { GROUP_JOB_KIND } from './gate-group.js';
import { groupJobHandler } from './group-job.js';
import { RECONCILE_JOB_KIND, reconcileJobHandler } from './reconcile.js';

/** The organisation-scale jobs: one per gate group, one per repository's reconciliation. */
export function orgJobs(services: GateServices, log: Logger): Record<string, JobHandler> {
  return { [GROUP_JOB_KIND]: dropWhenGone(groupJobHandler(services, log)), [RECONCILE_JOB_KIND]: dropWhenGone(reconcileJobHandler(services, log)) };
}

/** The installation or repository is gone (GitHub answers 404 or 410): nothing is left to do, so the job is dropped, not retried. */
export function dropWhenGone(handler: JobHandler): JobHandler {
  return async (job) => {
    try {
      await handler(job);
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 404 || status === 410) throw new DropJob((error as Error).message);
      throw error;
    }
  };
}

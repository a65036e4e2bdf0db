import type { Logger } from 'probot';
import type { GateServices } from '../handlers/services.js';
import type { JobHandler } from '../state/store.js';
import { GROUP_JOB_KIND } from './gate-group.js';
import { groupJobHandler } from './group-job.js';
import { RECONCILE_JOB_KIND, reconcileJobHandler } from './reconcile.js';

/** The organisation-scale jobs: one per gate group, one per repository's reconciliation. */
export function orgJobs(services: GateServices, log: Logger): Record<string, JobHandler> {
  return { [GROUP_JOB_KIND]: groupJobHandler(services, log), [RECONCILE_JOB_KIND]: reconcileJobHandler(services, log) };
}

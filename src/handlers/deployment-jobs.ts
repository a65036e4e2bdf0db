import type { Logger } from 'probot';
import { z } from 'zod';
import type { Job } from '../state/store.js';
import { deploymentTarget } from '../targets/deployment-target.js';
import { DropJob } from '../targets/durable.js';
import { currentEnvironmentHead, environmentTarget } from '../targets/environment-target.js';
import { runGate, type GateTarget } from '../targets/gate-target.js';
import { protectionRuleTarget } from '../targets/protection-rule-target.js';
import { verificationTarget } from '../targets/verification-target.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from './services.js';

const name = z.string().min(1).max(100);
const environment = z.string().min(1).max(255);
const sha = z.string().regex(/^[0-9a-f]{40}$/i);
const id = z.number().int().positive();
const time = z.string().refine((t) => Number.isFinite(Date.parse(t)));
const base = { installationId: id, owner: name, repo: name, environment };

const schemas = {
  environment: z.object(base),
  'protection-rule': z.object({ ...base, runId: id, requestedAt: time, sha: sha.optional(), pullRequests: z.array(id).max(20) }),
  deployment: z.object({ ...base, deploymentId: id, sha }),
  verify: z.object({ ...base, deploymentId: id, sha, deployedAt: time }),
};

/**
 * The job handlers of the deployment doors. Each job carries just enough to rebuild its target
 * from GitHub's current state, so whichever replica takes it finishes the work.
 */
export function deploymentJobs(services: GateServices, log: Logger): Record<keyof typeof schemas, (job: Job) => Promise<void>> {
  const run = async <K extends keyof typeof schemas>(
    kind: K,
    job: Job,
    target: (octokit: Octokit, data: z.infer<(typeof schemas)[K]>) => Promise<GateTarget | undefined>,
  ) => {
    const parsed = schemas[kind].safeParse(job.data);
    if (!parsed.success) throw new DropJob(`malformed ${kind} job: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
    const data = parsed.data as z.infer<(typeof schemas)[K]>;
    const octokit = await services.auth(data.installationId);
    const built = await target(octokit, data);
    if (built) await runGate(services, built, log);
  };
  return {
    environment: (job) =>
      run('environment', job, async (octokit, data) => {
        const head = await currentEnvironmentHead(octokit, data, services.now());
        if (head === 'not-gated') return void log.debug({ job: job.id }, 'environment no longer gated; its re-checks stop');
        return environmentTarget(services, octokit, head, log);
      }),
    'protection-rule': (job) => run('protection-rule', job, async (octokit, data) => protectionRuleTarget(services, octokit, data, log)),
    deployment: (job) => run('deployment', job, async (octokit, data) => deploymentTarget(services, octokit, data, log)),
    verify: (job) => run('verify', job, async (octokit, data) => verificationTarget(services, octokit, data, log)),
  };
}

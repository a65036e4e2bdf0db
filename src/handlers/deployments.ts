import type { Context } from 'probot';
import { z } from 'zod';
import { commitStatuses } from '../github/commit-status.js';
import { parseCallbackUrl } from '../github/deployments.js';
import { loadPolicy } from '../github/policy-source.js';
import { annotationTags } from '../integrations/grafana.js';
import { commitGone, writeStatus } from '../github/publish.js';
import { MAX_ENVIRONMENT_NAME, MAX_WAIT_MS, findEnvironment, verifyAfterMs, verifyContext } from '../policy/environments.js';
import { describeVerificationPending } from '../render/deployment.js';
import { durably } from '../targets/durable.js';
import { runGate } from '../targets/gate-target.js';
import { deploymentJob, deploymentTarget } from '../targets/deployment-target.js';
import { protectionRuleJob, protectionRuleKey } from '../targets/protection-rule-target.js';
import { verificationJob, verificationKey, type VerificationRequest } from '../targets/verification-target.js';
import { eventOctokit, installationOf } from './pull-request.js';
import type { GateServices } from './services.js';

const name = z.string().min(1).max(100);
const sha = z.string().regex(/^[0-9a-f]{40}$/i);
const environment = z.string().min(1).max(MAX_ENVIRONMENT_NAME);
const repository = z.object({ name, owner: z.object({ login: name }) });

/** What a protection-rule request must carry to be decided; GitHub's schema marks most of it optional. */
const protectionRulePayload = z.object({
  environment,
  deployment_callback_url: z.string().min(1).max(2048),
  // The commit is the deployment's (the event has no top-level `sha`); only named in the comment, so an odd one is dropped, not refused.
  deployment: z
    .object({ sha: sha.optional().catch(undefined) })
    .optional()
    .catch(undefined),
  pull_requests: z
    .array(z.object({ number: z.number().int().positive() }))
    .max(100)
    .optional(),
  repository: repository.optional(),
});

/**
 * `deployment_protection_rule.requested`: answered at once (GitHub wants a 2xx within 10 s and never
 * redelivers), decided from the store's job queue. Requests for the same run and environment share
 * one decision while it is pending and for a while after it.
 */
export function onProtectionRule(services: GateServices) {
  return async (context: Context<'deployment_protection_rule.requested'>): Promise<void> => {
    const { log } = context;
    const installationId = installationOf(context.payload);
    const parsed = protectionRulePayload.safeParse(context.payload);
    if (installationId === undefined || !parsed.success) {
      const problem = parsed.success ? 'no installation' : `${parsed.error.issues[0]?.path.join('.') || 'payload'}: ${parsed.error.issues[0]?.message}`;
      return void log.error({ problem }, 'protection-rule request that cannot be decided (nothing names what to answer); ignored');
    }
    const payload = parsed.data;
    const apiBase = String(context.octokit.request.endpoint.DEFAULTS.baseUrl);
    const callback = parseCallbackUrl(payload.deployment_callback_url, apiBase);
    if ('problem' in callback) return void log.error({ problem: callback.problem }, 'protection-rule request without a workflow run; ignored');
    if (callback.foreignHost) {
      // Only ever parsed for the run id: the decision goes to the operator's API base, and nothing is sent to that host.
      log.warn(
        { callbackHost: safeHost(payload.deployment_callback_url), apiBase },
        'protection-rule callback URL points at a foreign host; deciding through the API base',
      );
    }
    const [owner, repo] = payload.repository ? [payload.repository.owner.login, payload.repository.name] : callback.repository.split('/');
    if (payload.repository && callback.repository.toLowerCase() !== `${owner}/${repo}`.toLowerCase()) {
      log.warn(
        { callbackRepository: callback.repository, repository: `${owner}/${repo}` },
        "protection-rule callback names another repository; deciding for the webhook's repository",
      );
    }
    const request = {
      installationId,
      owner: owner!,
      repo: repo!,
      runId: callback.runId,
      environment: payload.environment,
      requestedAt: new Date(services.now()).toISOString(),
      sha: payload.deployment?.sha,
      pullRequests: (payload.pull_requests ?? []).map((pr) => pr.number).slice(0, 20),
    };
    const key = protectionRuleKey(request);
    if ((await services.store.get(`rule-decided:${key}`)) || !(await services.store.claimOnce(`rule-pending:${key}`, MAX_WAIT_MS + 86_400_000))) {
      return void log.info({ key }, 'protection-rule request shares the decision of an earlier request for the same run and environment');
    }
    await services.store.jobs.schedule(protectionRuleJob(request), 0);
    log.info({ repo: `${owner}/${repo}`, runId: callback.runId, environment: payload.environment }, 'protection-rule request accepted');
  };
}

const deploymentPayload = z.object({
  deployment: z.object({ id: z.number().int().positive(), sha, environment, created_at: z.string().optional() }),
  repository,
});

/** `deployment.created`: the deployment's commit gets `slo-gate/<environment>`, and its baseline is kept. */
export function onDeployment(services: GateServices) {
  return async (context: Context<'deployment.created'>): Promise<void> => {
    const installationId = installationOf(context.payload);
    const parsed = deploymentPayload.safeParse(context.payload);
    if (installationId === undefined || !parsed.success) return void context.log.warn('deployment event without a usable deployment; ignored');
    const { deployment, repository: repo } = parsed.data;
    const request = {
      installationId,
      owner: repo.owner.login,
      repo: repo.name,
      deploymentId: deployment.id,
      environment: deployment.environment,
      sha: deployment.sha,
    };
    await durably(services, deploymentJob(request), async () => {
      const octokit = await eventOctokit(services, context, installationId);
      await runGate(services, deploymentTarget(services, octokit, request, context.log), context.log);
    });
  };
}

const statusPayload = z.object({
  deployment_status: z.object({
    state: z.string().max(20),
    created_at: z.string().refine((t) => Number.isFinite(Date.parse(t))),
    environment: environment.optional(),
  }),
  deployment: z.object({ id: z.number().int().positive(), sha, environment, created_at: z.string().optional() }),
  repository,
});

/**
 * `deployment_status`: a deployment that went out (or failed) is marked on the dashboards and
 * counted; one that reported `success` to an environment with `verify` starts its checks.
 */
export function onDeploymentStatus(services: GateServices) {
  return async (context: Context<'deployment_status'>): Promise<void> => {
    const { log } = context;
    const installationId = installationOf(context.payload);
    const parsed = statusPayload.safeParse(context.payload);
    if (installationId === undefined || !parsed.success) return void log.warn('deployment_status event without a usable deployment; ignored');
    const { deployment_status: status, deployment, repository: repo } = parsed.data;
    const slug = `${repo.owner.login}/${repo.name}`;
    if (status.state !== 'success' && status.state !== 'failure') return;
    await services.annotate?.({
      time: new Date(Date.parse(status.created_at)),
      tags: annotationTags(slug, deployment.environment, status.state),
      text: `Deployment ${deployment.id} of ${deployment.sha.slice(0, 7)} to ${deployment.environment}: ${status.state}`,
    });
    if (status.state !== 'success') return;
    services.telemetry.deployment({ repository: slug, environment: deployment.environment, result: 'deployed' });
    const request: VerificationRequest = {
      installationId,
      owner: repo.owner.login,
      repo: repo.name,
      environment: deployment.environment,
      deploymentId: deployment.id,
      sha: deployment.sha,
      deployedAt: new Date(Date.parse(status.created_at)).toISOString(),
    };
    await durably(services, verificationJob(request), async () => {
      const octokit = await eventOctokit(services, context, installationId);
      await recordLeadTime(services, octokit, request, log);
      const started = await startVerification(services, octokit, request, log);
      if (!started) await services.store.jobs.cancel(verificationJob(request).id);
    });
  };
}

/** Sets `…/verify` pending and schedules the first check; ends the checks of the deployment it replaces. */
async function startVerification(
  services: GateServices,
  octokit: Awaited<ReturnType<GateServices['auth']>>,
  request: VerificationRequest,
  log: Context['log'],
): Promise<boolean> {
  const { owner, repo } = request;
  const loaded = await loadPolicy(octokit, { owner, repo });
  if (loaded.kind !== 'policy') return false;
  const found = findEnvironment(loaded.policy, request.environment);
  const offsets = found ? verifyAfterMs(found) : [];
  if (!found || offsets.length === 0) return false;
  const slug = `${owner}/${repo}`;
  const sink = { statuses: commitStatuses(octokit, { owner, repo }), store: services.store, telemetry: services.telemetry, log };
  const context = verifyContext(loaded.policy, found);
  const key = verificationKey(request);
  const previous = JSON.parse((await services.store.get(`verifying:${key}`)) ?? 'null') as { deploymentId: number; sha: string } | null;
  if (previous && previous.deploymentId !== request.deploymentId && previous.sha !== request.sha) {
    await writeStatus(sink, slug, previous.sha, {
      context,
      state: 'success',
      description: `Checks ended early: deployment ${request.deploymentId} replaced this one`,
    }).catch((error: unknown) => {
      if (!commitGone(error)) throw error; // the replaced deployment's commit is gone: nothing is left pending on it
    });
  }
  await services.store.set(`verifying:${key}`, JSON.stringify({ deploymentId: request.deploymentId, sha: request.sha }), 2 * 86_400_000);
  try {
    await writeStatus(sink, slug, request.sha, { context, state: 'pending', description: describeVerificationPending(found.config.verify?.after ?? []) });
  } catch (error) {
    if (!commitGone(error)) throw error;
    log.warn({ repo: slug, deployment: request.deploymentId, sha: request.sha }, 'deployment_status for a commit that no longer exists: not verified');
    return false;
  }
  const firstAt = Date.parse(request.deployedAt) + offsets[0]!;
  await services.store.jobs.schedule(verificationJob(request), Math.max(0, firstAt - services.now()));
  return true;
}

/** Lead time for changes: from the commit (its committer date) to its successful deployment. A failed read only costs the figure. */
async function recordLeadTime(
  services: GateServices,
  octokit: Awaited<ReturnType<GateServices['auth']>>,
  request: VerificationRequest,
  log: Context['log'],
): Promise<void> {
  try {
    const { data } = await octokit.rest.git.getCommit({ owner: request.owner, repo: request.repo, commit_sha: request.sha });
    const committed = Date.parse(data.committer.date);
    if (Number.isFinite(committed)) services.telemetry.leadTime((Date.parse(request.deployedAt) - committed) / 1000);
  } catch (error) {
    log.debug({ err: error, sha: request.sha }, 'could not read the deployed commit for its lead time');
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'unparseable';
  }
}

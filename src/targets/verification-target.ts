import type { Logger } from 'probot';
import { evaluate } from '../evaluate.js';
import type { Report } from '../gate/report.js';
import { verify, type Verification } from '../gate/verify.js';
import { commitStatuses } from '../github/commit-status.js';
import { deploymentsGitHub } from '../github/deployments.js';
import { loadPolicy } from '../github/policy-source.js';
import { reportDetailsUrl } from '../details/link.js';
import { commitGone, writeStatus, type StatusSink } from '../github/publish.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { measureDeployment } from '../metrics/verification.js';
import {
  DEFAULT_REGRESSION_FACTOR,
  MAX_VERIFY_AFTER_MS,
  findEnvironment,
  policyForEnvironment,
  verifyAfterMs,
  verifyContext,
  type NamedEnvironment,
} from '../policy/environments.js';
import { describeVerification, describeVerificationPending, renderRegressionComment } from '../render/deployment.js';
import { describeReport } from '../render/describe.js';
import { annotationTags } from '../integrations/grafana.js';
import type { GateTarget, Prepared } from './gate-target.js';

/** A deployment that reported success, to check against its own pre-deploy baseline. */
export interface VerificationRequest {
  installationId: number;
  owner: string;
  repo: string;
  environment: string;
  deploymentId: number;
  sha: string;
  /** When the deployment reported `success` (the `deployment_status`'s `created_at`): checks count from here. */
  deployedAt: string;
}

const REGRESSION_TTL_MS = 30 * 86_400_000;
/** A check that runs a little early (timer jitter) still counts as the check that was due. */
const EARLY_MS = 1_000;

/** One verification per environment: a newer deployment to it replaces the older one's checks. */
export const verificationKey = ({ owner, repo, environment }: Pick<VerificationRequest, 'owner' | 'repo' | 'environment'>) =>
  `verify:${owner}/${repo}:${environment.toLowerCase()}`;

export function verificationJob(request: VerificationRequest) {
  return { id: verificationKey(request), kind: 'verify', data: { ...request } };
}

/**
 * The post-deploy door: at each `verify.after` offset, the burn since the deploy is compared with
 * the burn over as long just before it. A regression sets `slo-gate/<environment>/verify` to
 * `failure` at once and tells the pull requests that brought the commit; a clean last check sets
 * `success`. The deployment's time is the version, so a newer deployment ends an older one's checks.
 */
export function verificationTarget(services: GateServices, octokit: Octokit, request: VerificationRequest, log: Logger): GateTarget {
  const { now } = services;
  const { owner, repo, sha } = request;
  const slug = `${owner}/${repo}`;
  const deployedAt = Date.parse(request.deployedAt);
  const sink: StatusSink = { statuses: commitStatuses(octokit, { owner, repo }), store: services.store, telemetry: services.telemetry, log };
  let found: NamedEnvironment | undefined;
  let verification: Verification | undefined;
  let context: string | undefined;
  let nextOffset: number | undefined;
  let gone = false;
  /** The checks still to come, as the policy writes them. */
  const checks = () => (found?.config.verify?.after ?? []).filter((_text, index) => verifyAfterMs(found!)[index]! >= (nextOffset ?? Infinity));

  return {
    kind: 'verification',
    key: verificationKey(request),
    version: { sha, at: request.deployedAt },
    where: { repo: slug, environment: request.environment, deployment: request.deploymentId, sha },
    recheck: verificationJob(request),

    async prepare(): Promise<Prepared> {
      const loaded = await loadPolicy(octokit, { owner, repo });
      if (loaded.kind === 'none') return { kind: 'not-gated', why: 'no .github/slo-gate.yml' };
      if (loaded.kind === 'invalid') return { kind: 'invalid', problems: loaded.problems };
      found = findEnvironment(loaded.policy, request.environment);
      if (!found || verifyAfterMs(found).length === 0) return { kind: 'not-gated', why: `the policy does not verify ${request.environment}` };
      context = verifyContext(loaded.policy, found);
      return { kind: 'ready', policy: policyForEnvironment(loaded.policy, found), candidates: [] };
    },

    async evaluate(prepared): Promise<Report> {
      const at = new Date(now());
      const elapsedMs = at.getTime() - deployedAt;
      const offsets = verifyAfterMs(found!);
      nextOffset = offsets.find((offset) => offset > elapsedMs + EARLY_MS);
      const { policy } = prepared;
      const verdict = await evaluate({ policy, metrics: services.metrics, deadlineMs: services.evaluationDeadlineMs });
      const readings = await measureDeployment(policy, services.metrics, { deployedAt: new Date(deployedAt), at });
      const regressionFactor = found!.config.verify?.regressionFactor ?? DEFAULT_REGRESSION_FACTOR;
      verification = verify(policy, readings, verdict.assessment, { elapsedMs, regressionFactor });
      return { kind: 'verdict', verdict };
    },

    async publish(report, _prepared, stillCurrent) {
      try {
        await write(report, stillCurrent);
      } catch (error) {
        if (!commitGone(error)) throw error;
        gone = true;
        log.warn({ repo: slug, deployment: request.deploymentId, sha }, 'verified deployment of a commit that no longer exists: checks end');
      }
    },

    async release() {
      // The policy stopped verifying this environment: nothing of ours may stay pending.
      if (!context) return;
      await writeStatus(sink, slug, sha, { context, state: 'success', description: 'Not verified: the policy no longer verifies this environment' });
    },

    nextCheckMs(report) {
      if (gone || verification?.state === 'regression' || report.kind === 'invalid-policy') return undefined;
      // Failed before it knew the checks (the policy could not be read): try again while a check could still be due.
      if (!found) return now() - deployedAt < MAX_VERIFY_AFTER_MS ? services.recheckIntervalMs : undefined;
      return nextOffset === undefined ? undefined : Math.max(1_000, deployedAt + nextOffset - now());
    },
  };

  /** Writes `…/verify` for this check: a regression at once, pending between checks, the answer at the last. */
  async function write(report: Report, stillCurrent: () => Promise<boolean>): Promise<void> {
    if (!context || !(await stillCurrent())) return;
    if (!verification) {
      // The policy or the metrics failed: say so, and look again at the next check.
      await writeStatus(sink, slug, sha, {
        context,
        state: nextOffset === undefined ? 'error' : 'pending',
        description: `Could not check: ${describeReport(report)}`.slice(0, 140),
      });
      return;
    }
    const last = nextOffset === undefined;
    const state = verification.state === 'regression' ? 'failure' : !last ? 'pending' : verification.state === 'clean' ? 'success' : 'error';
    const description =
      state === 'pending' ? `${describeVerification(verification)}; ${describeVerificationPending(checks())}` : describeVerification(verification);
    const targetUrl = await reportDetailsUrl(services.details, { repo: slug, deployment: request.deploymentId }, report);
    await writeStatus(sink, slug, sha, { context, state, description: description.slice(0, 140), targetUrl });
    if (verification.state === 'regression') await announceRegression(verification);
    if (last && verification.state !== 'regression') recordSpent(verification);
  }

  /** Once per deployment: tell the pull requests that brought the commit, and mark the regression on the dashboards. */
  async function announceRegression(result: Verification): Promise<void> {
    if (!(await services.store.claimOnce(`regression:${slug}:${request.deploymentId}`, REGRESSION_TTL_MS))) return;
    services.telemetry.deployment({ repository: slug, environment: found!.name, result: 'regression' });
    recordSpent(result);
    const github = deploymentsGitHub(octokit, { owner, repo });
    const pulls = (await github.pullsForCommit(sha)).slice(0, 10);
    const body = renderRegressionComment(result, {
      environment: found!.name,
      sha,
      deploymentId: request.deploymentId,
      checks: found!.config.verify?.after ?? [],
    });
    for (const pull of pulls) await github.commentOnPull(pull.number, body);
    await services.annotate?.({
      time: new Date(now()),
      tags: annotationTags(slug, found!.name, 'regression'),
      text: `slo-gate: regression after deployment ${request.deploymentId} of ${sha.slice(0, 7)} to ${found!.name}`,
    });
    log.warn({ repo: slug, environment: found!.name, deployment: request.deploymentId, pulls: pulls.map((p) => p.number) }, 'post-deploy regression');
  }

  /** The most any one SLO's budget paid: fractions of different SLOs' budgets do not add up. */
  function recordSpent(result: Verification): void {
    const spent = result.slos.flatMap((slo) => (slo.budgetSpent === undefined ? [] : [slo.budgetSpent]));
    if (spent.length > 0) services.telemetry.budgetSpentPerDeployment(Math.max(...spent));
  }
}

import type { Context } from 'probot';
import { evaluate } from '../evaluate.js';
import type { Report } from '../gate/report.js';
import { loadPolicy } from '../github/policy-source.js';
import { pullRequestGitHub } from '../github/pull-request.js';
import type { MetricsSource } from '../metrics/source.js';
import type { Policy } from '../policy/schema.js';
import { bypassCandidates, type LabelEvent } from './bypass-candidates.js';
import { publish } from './publish.js';

export const PULL_REQUEST_EVENTS = [
  'pull_request.opened',
  'pull_request.reopened',
  'pull_request.synchronize',
  'pull_request.ready_for_review',
  'pull_request.labeled',
  'pull_request.unlabeled',
  'pull_request.edited',
] as const;

export interface GateDependencies {
  metrics: MetricsSource;
}

/** Gates the pull request's head commit. Every path past "this repository has a policy" ends in one status. */
export function onPullRequest({ metrics }: GateDependencies) {
  return async (context: Context<'pull_request'>): Promise<void> => {
    const { payload, log } = context;
    if (payload.action === 'edited' && !('base' in (payload.changes ?? {}))) return; // a title or body edit changes nothing
    const pr = payload.pull_request;
    if (pr.state !== 'open') return;
    const github = pullRequestGitHub(context.octokit, context.repo({ number: pr.number }));
    const sha = pr.head.sha;

    let policy: Policy | undefined;
    let report: Report;
    try {
      const loaded = await loadPolicy(context);
      if (loaded.kind === 'none') {
        log.debug('no .github/slo-gate.yml: this repository is not gated');
        return;
      }
      if (loaded.kind === 'invalid') {
        report = { kind: 'invalid-policy', problems: loaded.problems };
      } else {
        policy = loaded.policy;
        const labeledNow: LabelEvent | undefined =
          payload.action === 'labeled' && payload.label ? { label: payload.label.name, actor: payload.sender.login, at: pr.updated_at } : undefined;
        const labels = pr.labels.map((l) => l.name);
        const candidates = await bypassCandidates(policy, labels, labeledNow, github);
        report = { kind: 'verdict', verdict: await evaluate({ policy, metrics, candidates }) };
      }
    } catch (error) {
      log.error({ err: error, sha }, 'slo-gate failed to evaluate');
      report = { kind: 'failed', message: (error as Error).message ?? String(error) };
    }
    await publish(github, report, { sha, policy }, log);
  };
}

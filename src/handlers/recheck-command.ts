import type { Context } from 'probot';
import { hasPermission } from '../gate/bypass.js';
import { pullRequestGitHub } from '../github/pull-request.js';
import { eventOctokit, installationOf } from './pull-request.js';
import { recheckPullRequest } from './recheck.js';
import type { GateServices } from './services.js';

/** `/slo-gate recheck` alone on a line of a pull request comment. */
const COMMAND = /^\s*\/slo-gate\s+recheck\s*$/m;
const MAX_COMMENT = 65_536;

/** Lets people with at least triage permission ask for an evaluation now; others get a polite answer. */
export function onRecheckCommand(services: GateServices) {
  return async (context: Context<'issue_comment.created'>): Promise<void> => {
    const { payload, log } = context;
    const body = payload.comment.body ?? '';
    if (!payload.issue.pull_request || payload.comment.user?.type === 'Bot' || body.length > MAX_COMMENT || !COMMAND.test(body)) return;
    const installationId = installationOf(payload);
    if (installationId === undefined || payload.issue.state !== 'open') return;
    const target = { ...context.repo(), number: payload.issue.number };
    const octokit = await eventOctokit(services, context, installationId);
    const github = pullRequestGitHub(octokit, target);
    const login = payload.comment.user?.login ?? payload.sender.login;
    if (!hasPermission(await github.permissionOf(login), 'triage')) {
      await github.createComment(
        `@${login} thanks for asking! Only people with triage permission or more on this repository can ask slo-gate to re-check; slo-gate also looks again by itself every few minutes while a pull request is blocked.`,
      );
      services.telemetry.wroteToGitHub('reply');
      return;
    }
    log.info({ repo: `${target.owner}/${target.repo}`, pr: target.number, by: login }, 're-check requested');
    await recheckPullRequest(services, octokit, { installationId, ...target }, log);
  };
}

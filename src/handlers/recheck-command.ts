import type { Context } from 'probot';
import { hasPermission } from '../gate/bypass.js';
import { pullRequestGitHub } from '../github/pull-request.js';
import { eventOctokit, installationOf } from './pull-request.js';
import { recheckPullRequest } from './recheck.js';
import type { GateServices } from './services.js';

/** `/slo-gate recheck` alone on a line of a pull request comment. */
const COMMAND = /^\s*\/slo-gate\s+recheck\s*$/m;
const MAX_COMMENT = 65_536;
/** Someone without permission is answered (with a 👎 reaction) at most once per pull request in this time. */
export const REFUSAL_EVERY_MS = 3_600_000;

/**
 * Lets people with at least triage permission ask for an evaluation now. Anyone else gets a 👎
 * reaction on their comment, at most once per person per pull request per hour: on a public
 * repository any commenter could otherwise spend the installation's writes, which every pull
 * request's status waits for.
 */
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
      const where = { repo: `${target.owner}/${target.repo}`, pr: target.number, by: login };
      // Logins are case-insensitive; the claim is taken before the write, so a failed write is not retried within the hour.
      if (!(await services.store.claimOnce(`recheck-refused:${where.repo}#${where.pr}@${login.toLowerCase()}`, REFUSAL_EVERY_MS))) {
        log.info(where, 're-check refused again within the hour: not answered');
        return;
      }
      await github.react(payload.comment.id, '-1');
      services.telemetry.wroteToGitHub('reply');
      log.info(where, 're-check refused: needs triage permission');
      return;
    }
    log.info({ repo: `${target.owner}/${target.repo}`, pr: target.number, by: login }, 're-check requested');
    await recheckPullRequest(services, octokit, { installationId, ...target }, log);
  };
}

import type { Context } from 'probot';
import type { PermissionLevel } from '../gate/types.js';
import { COMMENT_MARKER } from '../render/comment.js';
import { GitHubError } from '../errors.js';
import { call, gitHubError } from './errors.js';

export type Octokit = Context['octokit'];

export interface PullRequestRef {
  owner: string;
  repo: string;
  number: number;
}

export interface SummaryComment {
  id: number;
  body: string;
}

export interface LabelApplication {
  actor: string;
  at: string;
}

/** Everything the pull-request gate asks of GitHub, behind one small surface. */
export interface PullRequestGitHub {
  /** Our summary comment: the marker, in a comment by this app's own bot account and no other. */
  findSummaryComment(): Promise<SummaryComment | undefined>;
  /** Creates a comment and returns its id. */
  createComment(body: string): Promise<number>;
  updateComment(id: number, body: string): Promise<void>;
  /** Reacts to a comment on the pull request: one small write, and no notification to everyone watching it. */
  react(commentId: number, content: '-1' | 'confused'): Promise<void>;
  /** Who applied each label last, from the issue's event timeline. */
  lastApplied(labels: readonly string[]): Promise<Map<string, LabelApplication>>;
  permissionOf(login: string): Promise<PermissionLevel>;
  /** The pull request as it is now: for re-checks and commands, whose events carry no head. */
  fetchHead(): Promise<PullRequestHead>;
}

/** What the gate needs to know about a pull request's current head. */
export interface PullRequestHead {
  sha: string;
  state: string;
  /** Orders events: a late event for an older head carries an older time. */
  updatedAt: string;
  labels: string[];
}

const LEVELS = new Set<string>(['admin', 'maintain', 'write', 'triage', 'read', 'none']);

/**
 * `botLogin` is this app's own bot account (`GateServices.botLogin`). Without it the summary comment
 * cannot be told apart from another bot's, so looking for it fails rather than guessing.
 */
export function pullRequestGitHub(octokit: Octokit, pr: PullRequestRef, botLogin?: () => Promise<string>): PullRequestGitHub {
  const { owner, repo, number } = pr;
  return {
    async findSummaryComment() {
      if (!botLogin) throw new GitHubError(`GitHub: cannot look for the summary comment of #${number} without this app's bot login`, undefined);
      const ours = (await botLogin()).toLowerCase();
      const comments = await call(`listing comments of #${number}`, () =>
        octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 }),
      );
      // Only our own bot's comment counts: any person or other bot can write the marker into a comment.
      const found = comments.find((c) => c.user?.type === 'Bot' && c.user.login.toLowerCase() === ours && c.body?.includes(COMMENT_MARKER));
      return found && { id: found.id, body: found.body ?? '' };
    },

    async createComment(body) {
      const { data } = await call(`commenting on #${number}`, () => octokit.rest.issues.createComment({ owner, repo, issue_number: number, body }));
      return data.id;
    },

    async updateComment(id, body) {
      await call(`updating comment ${id} on #${number}`, () => octokit.rest.issues.updateComment({ owner, repo, comment_id: id, body }));
    },

    async react(commentId, content) {
      await call(`reacting to comment ${commentId} on #${number}`, () =>
        octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: commentId, content }),
      );
    },

    async lastApplied(labels) {
      const events = await call(`listing events of #${number}`, () =>
        octokit.paginate(octokit.rest.issues.listEvents, { owner, repo, issue_number: number, per_page: 100 }),
      );
      const applied = new Map<string, LabelApplication>();
      for (const event of events) {
        const label = (event as { label?: { name?: string } }).label?.name;
        if (event.event === 'labeled' && label && labels.includes(label) && event.actor?.login) {
          applied.set(label, { actor: event.actor.login, at: event.created_at }); // events come oldest first
        }
      }
      return applied;
    },

    async fetchHead() {
      const { data } = await call(`reading pull request #${number}`, () => octokit.rest.pulls.get({ owner, repo, pull_number: number }));
      return { sha: data.head.sha, state: data.state, updatedAt: data.updated_at, labels: data.labels.map((l) => l.name) };
    },

    async permissionOf(login) {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
        // role_name distinguishes triage and maintain; custom roles fall back to the base permission.
        const role = (data as { role_name?: string }).role_name;
        const level = role && LEVELS.has(role) ? role : data.permission;
        return (LEVELS.has(level) ? level : 'none') as PermissionLevel;
      } catch (error) {
        if ((error as { status?: number }).status === 404) return 'none'; // not a collaborator
        throw gitHubError(`reading the permission of @${login}`, error);
      }
    },
  };
}

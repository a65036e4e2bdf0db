import { freezeAllowLabels } from '../gate/change-freeze.js';
import type { BypassCandidate, PermissionLevel } from '../gate/types.js';
import type { LabelApplication, PullRequestGitHub } from './pull-request.js';
import type { Policy } from '../policy/schema.js';

export interface LabelEvent {
  /** The label this event applied, when the event is `labeled`. */
  label: string;
  actor: string;
  at: string;
}

/**
 * Who applied each bypass label present on the pull request, and with what permission; the same
 * for the labels that lift a change-freeze window (`freeze[].allowLabels`).
 * The `labeled` event names its sender; older labels are found in the timeline.
 * Asks GitHub nothing when no bypass label is present.
 */
export async function bypassCandidates(
  policy: Policy,
  labelsOnPr: readonly string[],
  labeledNow: LabelEvent | undefined,
  github: PullRequestGitHub,
): Promise<BypassCandidate[]> {
  const present = [...new Set([...policy.bypass.labels, ...freezeAllowLabels(policy)])].filter((label) => labelsOnPr.includes(label));
  if (present.length === 0) return [];
  const fromHistory = present.filter((label) => label !== labeledNow?.label);
  const history = fromHistory.length > 0 ? await github.lastApplied(fromHistory) : new Map<string, LabelApplication>();
  const permissions = new Map<string, Promise<PermissionLevel>>();
  const permissionOf = (login: string) => {
    if (!permissions.has(login)) permissions.set(login, github.permissionOf(login));
    return permissions.get(login)!;
  };
  return Promise.all(
    present.map(async (label): Promise<BypassCandidate> => {
      const applied = label === labeledNow?.label ? labeledNow : history.get(label);
      if (!applied) return { label, actor: undefined, permission: 'none', appliedAt: undefined };
      return { label, actor: applied.actor, permission: await permissionOf(applied.actor), appliedAt: applied.at };
    }),
  );
}

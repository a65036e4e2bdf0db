import type { Policy } from '../policy/schema.js';
import type { Bypass, BypassCandidate, PermissionLevel } from './types.js';

const RANK: Record<PermissionLevel, number> = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 };

export function hasPermission(actual: PermissionLevel, required: PermissionLevel): boolean {
  return RANK[actual] >= RANK[required];
}

/**
 * Picks the bypass that applies: the first candidate, in the order of `bypass.labels`,
 * applied by someone with at least `minPermission`. The others are reported as ignored.
 */
export function resolveBypass(
  policy: Pick<Policy, 'bypass'>,
  candidates: readonly BypassCandidate[],
): { bypass: Bypass | undefined; ignored: BypassCandidate[] } {
  const relevant = policy.bypass.labels.flatMap((label) => candidates.filter((c) => c.label === label));
  const permitted = (c: BypassCandidate) => c.actor !== undefined && hasPermission(c.permission, policy.bypass.minPermission);
  const allowed = relevant.find(permitted);
  return {
    bypass: allowed && { label: allowed.label, actor: allowed.actor!, appliedAt: allowed.appliedAt },
    ignored: relevant.filter((c) => !permitted(c)),
  };
}

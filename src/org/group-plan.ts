import { decide } from '../gate/decide.js';
import { stateOf, type Report } from '../gate/report.js';
import type { Readings } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { opensGate, parseMemberKey, writeOrder, type GroupMember } from './gate-group.js';
import type { IndexedPullRequest, RepoIndex } from './pr-index.js';
import { verdictSignature } from './verdict-signature.js';

export interface PlannedWrite {
  key: string;
  ref: { owner: string; repo: string; number: number };
  member: GroupMember;
  indexed: IndexedPullRequest;
  report: Report;
  signature: string;
  /** Compare with the status GitHub shows (the bounded foreign-status check). */
  foreignCheck: boolean;
  /** The verdict flips to success: its status is written before any comment. */
  reopens: boolean;
}

export interface GroupPlan {
  /** Members to write, the longest blocked first. */
  writes: PlannedWrite[];
  /** Members that leave the group; `recheck`: with a re-check of their own (GitHub is asked about them). */
  leaving: Array<{ key: string; recheck?: { owner: string; repo: string; number: number } }>;
}

export interface PlanInput {
  policy: Policy;
  members: Record<string, GroupMember>;
  /** Each member repository's index; undefined for a repository whose index is not kept. */
  indexes: Map<string, RepoIndex | undefined>;
  /** The group's measurement, or the report every member gets when it failed. */
  readings: Readings | undefined;
  failed: Report | undefined;
  now: number;
  /** Foreign-status checks are put off (the installation is low on GitHub budget). */
  low: boolean;
  foreignCheckMs: number;
}

/**
 * What one run of a gate group does, decided before anything is written (pure): each member's
 * verdict from the group's measurement and its labels in the index, written only when it differs
 * from the verdict last written (another state or reason, or a new head), or when its foreign-status
 * check is due. A member the index no longer holds, or whose labels could open the gate, leaves.
 */
export function planGroup({ policy, members, indexes, readings, failed, now, low, foreignCheckMs }: PlanInput): GroupPlan {
  const writes: PlannedWrite[] = [];
  const leaving: GroupPlan['leaving'] = [];
  for (const key of writeOrder(members)) {
    const member = members[key]!;
    const ref = parseMemberKey(key);
    if (!ref) {
      leaving.push({ key });
      continue;
    }
    const index = indexes.get(`${ref.owner}/${ref.repo}`);
    const indexed = index?.prs[ref.number];
    if (!indexed || opensGate(policy, indexed.labels)) {
      // Missing from a kept index: closed (a webhook, or a reconciliation, said so). No index at all, or a label to confirm: ask GitHub.
      leaving.push({ key, ...(indexed || !index ? { recheck: ref } : {}) });
      continue;
    }
    // At `now`, for the policy's freeze windows (a label that lifts one is confirmed outside the group: opensGate).
    const report: Report = readings ? { kind: 'verdict', verdict: decide(policy, readings, [], indexed.labels, new Date(now)) } : failed!;
    const signature = verdictSignature(report);
    const foreignCheck = !low && now - member.checkedAt >= foreignCheckMs;
    if (signature === member.signature && indexed.sha === member.sha && !foreignCheck) continue; // nothing changed: nothing to tell GitHub
    writes.push({ key, ref, member, indexed, report, signature, foreignCheck, reopens: stateOf(report) === 'success' });
  }
  return { writes, leaving };
}

import { freezeAllowLabels } from '../gate/change-freeze.js';
import type { Policy } from '../policy/schema.js';
import type { Job, Store } from '../state/store.js';
import { gatingPart, policyFingerprint } from './policy-cache.js';

/**
 * A gate group: the blocked pull requests of one installation whose policies gate alike (the same
 * fingerprint). Its job measures the policy's SLOs once per interval and decides every member
 * from that one measurement.
 */
export interface GroupRecord {
  installationId: number;
  fingerprint: string;
  policy: Policy;
  /** Keyed by `owner/repo#number`. */
  members: Record<string, GroupMember>;
}

export interface GroupMember {
  /** The head the last written verdict is on. */
  sha: string;
  /** verdictSignature() of the last verdict written for it. */
  signature: string;
  /**
   * policyFingerprint() of its repository's whole policy when it joined. The group's own policy may be
   * a part of it (the SLOs whose paths the pull request touches); this tells when the repository's changed.
   */
  repoPolicy: string;
  /** When it joined, blocked (services.now()); the oldest blocked is written first when the group reopens. */
  since: number;
  /** When GitHub's own view of its status was last compared with ours (foreign-status check). */
  checkedAt: number;
}

/** Members one group holds at most; a pull request that does not fit is re-checked on its own, as before. */
export const MAX_GROUP_MEMBERS = 20_000;
const GROUP_TTL_MS = 30 * 86_400_000;

export const GROUP_JOB_KIND = 'gate-group';
export const memberKey = (t: { owner: string; repo: string; number: number }) => `${t.owner}/${t.repo}#${t.number}`;
const groupKey = (installationId: number, fingerprint: string) => `group:${installationId}:${fingerprint}`;
const dueKey = (installationId: number, fingerprint: string) => `group-due:${installationId}:${fingerprint}`;

/** The group's one durable job: a fixed id, so with Redis it runs once per interval whichever replica takes it. */
export function groupJob(installationId: number, fingerprint: string): Job {
  return { id: groupKey(installationId, fingerprint), kind: GROUP_JOB_KIND, data: { installationId, fingerprint } };
}

export function parseMemberKey(key: string): { owner: string; repo: string; number: number } | undefined {
  const match = /^([^/#]+)\/([^/#]+)#(\d{1,9})$/.exec(key);
  return match ? { owner: match[1]!, repo: match[2]!, number: Number(match[3]) } : undefined;
}

export async function readGroup(store: Store, installationId: number, fingerprint: string): Promise<GroupRecord | undefined> {
  const text = await store.get(groupKey(installationId, fingerprint));
  if (!text) return undefined;
  const value = JSON.parse(text) as Partial<GroupRecord>;
  if (typeof value.members !== 'object' || value.members === null || typeof value.policy !== 'object') return undefined;
  return { installationId, fingerprint, policy: value.policy, members: value.members };
}

/** Changes a group's members under its lock; `change` gets the current members and returns the new ones. */
export async function updateMembers(
  store: Store,
  installationId: number,
  fingerprint: string,
  policy: Policy | undefined,
  change: (members: Record<string, GroupMember>) => Record<string, GroupMember> | undefined,
): Promise<GroupRecord | undefined> {
  const key = groupKey(installationId, fingerprint);
  return store.withLock(key, async () => {
    const current = await readGroup(store, installationId, fingerprint);
    const members = change({ ...(current?.members ?? {}) });
    const groupPolicy = current?.policy ?? policy;
    if (!members || !groupPolicy) return current;
    const record = { installationId, fingerprint, policy: groupPolicy, members };
    await store.set(key, JSON.stringify(record), GROUP_TTL_MS);
    return record;
  });
}

/**
 * Makes a blocked pull request a member of its policy's group (keeping when it first joined), and
 * makes sure the group's job will run within `intervalMs`. False when the group is full.
 */
export async function joinGroup(
  store: Store,
  installationId: number,
  pr: { owner: string; repo: string; number: number },
  policy: Policy,
  member: Pick<GroupMember, 'sha' | 'signature' | 'repoPolicy'>,
  { now, intervalMs, foreignCheckMs, random }: { now: number; intervalMs: number; foreignCheckMs: number; random: () => number },
): Promise<boolean> {
  const fingerprint = policyFingerprint(policy);
  const key = memberKey(pr);
  let joined = false;
  await updateMembers(store, installationId, fingerprint, gatingPart(policy), (members) => {
    const known = members[key];
    if (!known && Object.keys(members).length >= MAX_GROUP_MEMBERS) return undefined;
    joined = true;
    // A new member's first foreign-status check falls anywhere in the coming period, so checks spread out.
    const checkedAt = known?.checkedAt ?? now - Math.floor(random() * foreignCheckMs);
    members[key] = { ...member, since: known?.since ?? now, checkedAt };
    return members;
  });
  if (joined) await ensureGroupJob(store, installationId, fingerprint, untilNextTick(now, intervalMs));
  return joined;
}

/**
 * Schedules the group's job unless it is already due within the interval: scheduling it again
 * would replace the pending one and postpone it, and a steady stream of joins would starve it.
 */
export async function ensureGroupJob(store: Store, installationId: number, fingerprint: string, delayMs: number): Promise<void> {
  if ((await store.get(dueKey(installationId, fingerprint))) === '1') return;
  await scheduleGroupJob(store, installationId, fingerprint, delayMs);
}

/**
 * Gate groups run on a shared tick: the multiples of the interval since the epoch. All groups of
 * all replicas then measure at the same moment, so an SLO that several groups' policies share is
 * asked once (the query cache coalesces it), not once per group. The time until the next tick at
 * least `minMs` away.
 */
export function untilNextTick(now: number, intervalMs: number, minMs = 0): number {
  const next = Math.ceil((now + Math.max(minMs, 1)) / intervalMs) * intervalMs;
  return next - now;
}

/** When a group runs next: on the next tick at least half an interval away, or sooner when its verdict expects to pass sooner. */
export function nextGroupRunMs(now: number, intervalMs: number, wantedMs: number): number {
  return wantedMs < intervalMs ? wantedMs : untilNextTick(now, intervalMs, intervalMs / 2);
}

export async function scheduleGroupJob(store: Store, installationId: number, fingerprint: string, delayMs: number): Promise<void> {
  await store.jobs.schedule(groupJob(installationId, fingerprint), delayMs);
  await store.set(dueKey(installationId, fingerprint), '1', Math.max(1, delayMs));
}

/** The group has no members left: its job is not rescheduled, and the next member to join schedules it. */
export async function clearGroupJob(store: Store, installationId: number, fingerprint: string): Promise<void> {
  await store.set(dueKey(installationId, fingerprint), '', 1);
}

/** The order a group writes its members in: the longest blocked first (first come, first served). */
export function writeOrder(members: Record<string, GroupMember>): string[] {
  return Object.entries(members)
    .sort(([ka, a], [kb, b]) => a.since - b.since || (ka < kb ? -1 : ka > kb ? 1 : 0))
    .map(([key]) => key);
}

/** Labels on a pull request that can open the gate for it: those are confirmed with GitHub, one by one, never decided by a group. */
export function opensGate(policy: Policy, labels: readonly string[]): boolean {
  const opening = [...policy.bypass.labels, ...(policy.budget.restrictBelow === undefined ? [] : policy.budget.allowLabels), ...freezeAllowLabels(policy)];
  return opening.some((label) => labels.includes(label));
}

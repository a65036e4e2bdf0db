import type { Logger } from 'probot';
import { z } from 'zod';
import { decide } from '../gate/decide.js';
import { stateOf, type Report } from '../gate/report.js';
import type { Readings } from '../gate/types.js';
import type { GateServices } from '../handlers/services.js';
import { measure } from '../metrics/measure.js';
import type { Policy } from '../policy/schema.js';
import type { Job } from '../state/store.js';
import { DropJob } from '../targets/durable.js';
import { nextLookMs } from '../targets/gate-target.js';
import { pullRequestRecheck, type PullRequestRef } from '../targets/pull-request-target.js';
import { clearGroupJob, nextGroupRunMs, parseMemberKey, readGroup, scheduleGroupJob, updateMembers, type GroupMember } from './gate-group.js';
import { fanOut } from './fan-out.js';
import { planGroup } from './group-plan.js';
import { FOREIGN_CHECK_MS } from './group-membership.js';
import type { GroupMeasurement } from './grouped-target.js';
import { cachedPolicy, policyFingerprint } from './policy-cache.js';
import { readIndex, type RepoIndex } from './pr-index.js';

const groupData = z.object({ installationId: z.number().int().positive(), fingerprint: z.string().regex(/^[0-9a-f]{16}$/) });

/** Spacing between the re-checks of members that leave a group for their own path (a new policy, a bypass label). */
const LEAVE_SPREAD_MS = 1_000;

/**
 * One run of a gate group: measures the group's SLOs once (through the shared query cache), decides
 * every member from its labels in the index, and writes to GitHub only for members whose verdict
 * changed (oldest blocked first), or whose foreign-status check is due. Members that pass leave;
 * members the group cannot decide for (a closed or unknown pull request, a label that could open
 * the gate, a repository whose policy changed) leave for their own re-check. While any member is
 * left, the job comes back at the next shared tick (or sooner, when the verdict expects to pass sooner).
 */
export function groupJobHandler(services: GateServices, log: Logger) {
  return async (job: Job): Promise<void> => {
    const parsed = groupData.safeParse(job.data);
    if (!parsed.success) throw new DropJob(`malformed gate group data: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const { installationId, fingerprint } = parsed.data;
    const group = await readGroup(services.store, installationId, fingerprint);
    if (!group || Object.keys(group.members).length === 0) return clearGroupJob(services.store, installationId, fingerprint);
    const octokit = await services.auth(installationId);
    const { policy, members } = group;
    const leaving = new Set<string>();
    const recheck: PullRequestRef[] = [];
    const leave = (key: string, ref?: PullRequestRef) => (leaving.add(key), ref && recheck.push(ref));

    const indexes = await stillGrouped(services, octokit, group.members, installationId, leave, log);
    const groupReport = await measured(services, policy, log);
    const measurement: GroupMeasurement = groupReport.readings ? { fingerprint, readings: groupReport.readings } : { fingerprint, failed: groupReport.report };
    const plan = planGroup({
      policy,
      members: Object.fromEntries(Object.entries(members).filter(([key]) => !leaving.has(key))),
      indexes,
      readings: groupReport.readings,
      failed: groupReport.readings ? undefined : groupReport.report,
      now: services.now(),
      low: services.rateLimits?.low(installationId) ?? false,
      foreignCheckMs: FOREIGN_CHECK_MS,
    });
    for (const { key, recheck: ref } of plan.leaving) leave(key, ref && { installationId, ...ref });
    const { updated, leaving: gone, written } = await fanOut(services, octokit, installationId, plan.writes, measurement, log);
    for (const { key, recheck: ref } of gone) leave(key, ref && { installationId, ...ref });

    const record = await updateMembers(services.store, installationId, fingerprint, undefined, (current) => {
      for (const key of leaving) if (sameMember(current[key], members[key])) delete current[key];
      for (const [key, member] of Object.entries(updated)) if (sameMember(current[key], members[key])) current[key] = member;
      return current;
    });
    await Promise.all(recheck.map((ref, index) => services.store.jobs.schedule(pullRequestRecheck(ref), index * LEAVE_SPREAD_MS)));
    const remaining = Object.keys(record?.members ?? {}).length;
    log.info(
      { group: fingerprint, installationId, members: Object.keys(members).length, written, left: leaving.size, state: stateOf(groupReport.report) },
      'gate group evaluated',
    );
    if (remaining === 0) return clearGroupJob(services.store, installationId, fingerprint);
    const wanted = nextLookMs(groupReport.report, services.recheckIntervalMs);
    await scheduleGroupJob(services.store, installationId, fingerprint, nextGroupRunMs(services.now(), services.recheckIntervalMs, wanted));
  };
}

/**
 * Reads the index of each repository with members, and checks that each member's repository still
 * has the policy it joined with (from the policy cache). Members of a repository whose policy
 * changed, or could not be read, leave for their own re-check (which writes `error` if the policy
 * stays unreadable, and joins the group of the new policy otherwise).
 */
async function stillGrouped(
  services: GateServices,
  octokit: Awaited<ReturnType<GateServices['auth']>>,
  members: Record<string, GroupMember>,
  installationId: number,
  leave: (key: string, ref?: PullRequestRef) => void,
  log: Logger,
): Promise<Map<string, RepoIndex | undefined>> {
  const byRepo = new Map<string, Array<{ key: string; ref: PullRequestRef }>>();
  for (const key of Object.keys(members)) {
    const ref = parseMemberKey(key);
    if (!ref) continue;
    const slug = `${ref.owner}/${ref.repo}`;
    byRepo.set(slug, [...(byRepo.get(slug) ?? []), { key, ref: { installationId, ...ref } }]);
  }
  const indexes = new Map<string, RepoIndex | undefined>();
  for (const [slug, list] of byRepo) {
    const { owner, repo } = list[0]!.ref;
    let current: string | undefined;
    try {
      const loaded = await cachedPolicy(services, octokit, { owner, repo });
      current = loaded.kind === 'policy' ? policyFingerprint(loaded.policy) : 'not a usable policy';
    } catch (error) {
      log.warn({ err: error, repo: slug }, 'gate group: the policy could not be read; its pull requests are re-checked on their own');
    }
    for (const { key, ref } of list) if (members[key]?.repoPolicy !== current) leave(key, ref);
    indexes.set(slug, await readIndex(services.store, slug));
  }
  return indexes;
}

/** The group's one measurement, or the failure every member then gets (fail closed: `error`, written only where it changes something). */
async function measured(services: GateServices, policy: Policy, log: Logger): Promise<{ readings?: Readings; report: Report }> {
  try {
    const readings = await measure(policy, services.metrics, { deadlineMs: services.evaluationDeadlineMs });
    return { readings, report: { kind: 'verdict', verdict: decide(policy, readings, [], [], new Date(services.now())) } };
  } catch (error) {
    log.error({ err: error }, 'gate group: measuring failed');
    return { report: { kind: 'failed', message: (error as Error).message ?? String(error) } };
  }
}

/** A member nobody changed while the group ran (an event may have re-joined it meanwhile, with a newer verdict). */
function sameMember(a: GroupMember | undefined, b: GroupMember | undefined): boolean {
  return !!a && !!b && a.sha === b.sha && a.signature === b.signature && a.since === b.since;
}

import type { Logger } from 'probot';
import { stateOf } from '../gate/report.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { runGate } from '../targets/gate-target.js';
import type { GroupMember } from './gate-group.js';
import { groupedTarget, type GroupMeasurement } from './grouped-target.js';
import type { PlannedWrite } from './group-plan.js';

export interface FanOutResult {
  /** Members whose new verdict was written and who stay (still blocked). */
  updated: Record<string, GroupMember>;
  /** Members that leave: they pass now, or were gated on their own instead (`recheck`). */
  leaving: Array<{ key: string; recheck?: PlannedWrite['ref'] }>;
  written: number;
}

/**
 * Writes what a gate group's plan says, in its order (the longest blocked first), each through
 * runGate (lock, stale guard, writes only where GitHub would change). When members reopen, every
 * reopening status is written before any comment: Probot spaces writes about one a second per
 * installation, comments more, and a status is what a person is waiting on.
 */
export async function fanOut(
  services: GateServices,
  octokit: Octokit,
  installationId: number,
  writes: PlannedWrite[],
  measurement: GroupMeasurement,
  log: Logger,
): Promise<FanOutResult> {
  const result: FanOutResult = { updated: {}, leaving: [], written: 0 };
  const failed = new Set<string>();
  const gate = async (write: PlannedWrite, options: { compareWithGitHub: boolean; statusOnly?: boolean }) => {
    const pr = { installationId, ...write.ref, ...write.indexed };
    try {
      return await runGate(services, groupedTarget(services, octokit, pr, measurement, { ...options, log }), log);
    } catch (error) {
      // runGate left the pull request its own re-check, with backoff: it comes back to a group from there.
      log.warn({ err: error, pr: write.key }, 'gate group: writing a member failed; it is re-checked on its own');
      failed.add(write.key);
      result.leaving.push({ key: write.key });
      return undefined;
    }
  };
  for (const write of writes.filter((w) => w.reopens)) await gate(write, { compareWithGitHub: write.foreignCheck, statusOnly: true });
  for (const write of writes) {
    if (failed.has(write.key)) continue;
    const report = await gate(write, { compareWithGitHub: write.foreignCheck && !write.reopens });
    if (failed.has(write.key)) continue;
    result.written++;
    if (!report)
      result.leaving.push({ key: write.key, recheck: write.ref }); // a newer head than the index knows: gated on its own
    else if (stateOf(report) === 'success') result.leaving.push({ key: write.key });
    else
      result.updated[write.key] = {
        ...write.member,
        sha: write.indexed.sha,
        signature: write.signature,
        checkedAt: write.foreignCheck ? services.now() : write.member.checkedAt,
      };
  }
  return result;
}

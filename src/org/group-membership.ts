import type { Logger } from 'probot';
import { stateOf, type Report } from '../gate/report.js';
import type { GateServices } from '../handlers/services.js';
import type { Prepared } from '../targets/gate-target.js';
import { joinGroup, opensGate } from './gate-group.js';
import { peekPolicy, policyFingerprint } from './policy-cache.js';
import { readIndex, recordPullRequest } from './pr-index.js';
import { verdictSignature } from './verdict-signature.js';

/** Each grouped pull request's status is compared with what GitHub shows about this often (someone else may write under our context). */
export const FOREIGN_CHECK_MS = 6 * 3_600_000;

export interface EvaluatedPullRequest {
  installationId: number;
  owner: string;
  repo: string;
  number: number;
  sha: string;
  updatedAt: string;
  labels: readonly string[];
}

/**
 * After a pull request was evaluated on its own (an event, a command, a failed group write), hands
 * it to its policy's gate group when the group can look after it: it is blocked, its policy is
 * usable, and no label on it could open the gate (those are confirmed with GitHub one by one).
 * True when the group took it: then it has no re-check of its own every interval.
 */
export async function handToGroup(
  services: GateServices,
  pr: EvaluatedPullRequest,
  report: Report,
  prepared: Prepared | undefined,
  log: Logger,
): Promise<boolean> {
  if (services.gateGroups === false || prepared?.kind !== 'ready' || stateOf(report) === 'success' || report.kind === 'invalid-policy') return false;
  if (opensGate(prepared.policy, pr.labels)) return false;
  const slug = `${pr.owner}/${pr.repo}`;
  // The repository's whole policy, as the group job will compare it (gate groups need the policy cache).
  const whole = await peekPolicy(services.store, pr);
  if (whole?.kind !== 'policy') return false;
  // The group decides from the index: it must know this head (a re-check read it from the API just now).
  if ((await readIndex(services.store, slug))?.prs[pr.number]?.sha !== pr.sha) {
    await recordPullRequest(services.store, pr.installationId, slug, pr.number, { sha: pr.sha, labels: [...pr.labels], updatedAt: pr.updatedAt });
    // Still another head: the index is full, or knows a newer one; this pull request keeps its own re-check.
    if ((await readIndex(services.store, slug))?.prs[pr.number]?.sha !== pr.sha) return false;
  }
  const joined = await joinGroup(
    services.store,
    pr.installationId,
    pr,
    prepared.policy,
    { sha: pr.sha, signature: verdictSignature(report), repoPolicy: policyFingerprint(whole.policy) },
    {
      now: services.now(),
      intervalMs: services.recheckIntervalMs,
      foreignCheckMs: FOREIGN_CHECK_MS,
      random: services.random,
    },
  );
  if (!joined) log.warn({ repo: slug, pr: pr.number }, 'gate group full: the pull request is re-checked on its own');
  return joined;
}

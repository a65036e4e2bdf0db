/**
 * The load benchmark's burst: 600 `pull_request` deliveries across 30 repositories in 3
 * installations. Each repository's policy picks one or two of the five shared SLOs (a third of
 * the repositories include a burning one, so their pull requests block and get a comment). Each
 * repository has three pull requests with the events a busy morning brings, in a seeded random
 * interleaving that keeps each pull request's own order:
 *
 * - feature (8): opened, labeled ×2, synchronize (new head), its redelivery, a `labeled` for the
 *   old head delivered late (after the new head's event), a title edit, unlabeled;
 * - draft (6): opened as draft, labeled and unlabeled `wip`, ready_for_review, its redelivery, a
 *   base-branch change (re-evaluated, same head);
 * - quick (6): opened, synchronize, labeled (in every fifth repository the bypass label `hotfix`,
 *   by an admin), its redelivery, another label, unlabeled (the bypass comes off again).
 */
import { createHash, randomUUID } from 'node:crypto';
import { BLOCKING, PASSING, policyYaml, type BenchSlo } from './bench-slos.js';
import type { Delivery, PullRequestEvent } from './webhooks.js';

/** What the design expects of a delivery. */
export type Expectation =
  /** Evaluated; a status is written unless GitHub already shows the same. */
  | 'evaluate'
  /** Same `x-github-delivery` as one already sent: processed once. */
  | 'duplicate'
  /** A title edit: nothing to evaluate. */
  | 'ignored'
  /** For an older head, arriving after the newer head's event: skipped as superseded. */
  | 'late';

export interface PlannedDelivery extends Delivery {
  expect: Expectation;
  /** `owner/repo#number`. */
  pr: string;
  /** Which head of its pull request (0 = the first) the event carries. */
  head: number;
}

export interface BurstRepo {
  owner: string;
  repo: string;
  installationId: number;
  slos: BenchSlo[];
  blocking: boolean;
  hotfix: boolean;
}

export interface BurstPlan {
  repos: BurstRepo[];
  policies: Map<string, string>;
  deliveries: PlannedDelivery[];
  /** Every head of every pull request, oldest first, by `owner/repo#number`. */
  heads: Map<string, string[]>;
}

export const INSTALLATIONS = [
  { id: 31_001, owner: 'acme-payments' },
  { id: 31_002, owner: 'acme-storefront' },
  { id: 31_003, owner: 'acme-platform' },
] as const;
const REPOS_PER_INSTALLATION = 10;
export const BYPASS_ACTOR = 'alice';
const LABEL_BOT = 'triage-bot';

export function planBurst(seed = 20_261_122): BurstPlan {
  const repos: BurstRepo[] = [];
  INSTALLATIONS.forEach(({ id, owner }, installationIndex) => {
    for (let r = 0; r < REPOS_PER_INSTALLATION; r++) {
      const i = installationIndex * REPOS_PER_INSTALLATION + r;
      const slos = slosFor(i);
      repos.push({
        owner,
        repo: `service-${String(r).padStart(2, '0')}`,
        installationId: id,
        slos,
        blocking: slos.some((s) => (BLOCKING as readonly string[]).includes(s)),
        hotfix: i % 5 === 0,
      });
    }
  });
  const policies = new Map(repos.map((r) => [`${r.owner}/${r.repo}`, policyYaml(r.slos)]));
  const heads = new Map<string, string[]>();
  const sequences: PlannedDelivery[][] = [];
  const base = Date.parse('2026-11-22T08:00:00Z');
  repos.forEach((repo) => {
    (['feature', 'draft', 'quick'] as const).forEach((kind, index) => {
      const number = 100 + index;
      const pr = `${repo.owner}/${repo.repo}#${number}`;
      const prHeads = [0, 1].map((h) => createHash('sha1').update(`${pr}@${h}`).digest('hex'));
      heads.set(pr, prHeads);
      const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
      const event = (
        e: Partial<PullRequestEvent> & Pick<PullRequestEvent, 'action'>,
        head: number,
        minute: number,
        labels: string[],
        expect: Expectation = 'evaluate',
      ): PlannedDelivery => ({
        id: randomUUID(),
        expect,
        pr,
        head,
        event: {
          installationId: repo.installationId,
          owner: repo.owner,
          repo: repo.repo,
          number,
          sha: prHeads[head]!,
          updatedAt: at(minute),
          labels,
          draft: false,
          sender: LABEL_BOT,
          ...e,
        },
      });
      const again = (d: PlannedDelivery): PlannedDelivery => ({ ...d, expect: 'duplicate' });
      const steps: PlannedDelivery[] = [];
      if (kind === 'feature') {
        const sync = event({ action: 'synchronize', sender: 'dev' }, 1, 3, ['size/M', 'team/payments']);
        steps.push(
          event({ action: 'opened', sender: 'dev' }, 0, 0, []),
          event({ action: 'labeled', label: 'size/M' }, 0, 1, ['size/M']),
          event({ action: 'labeled', label: 'team/payments' }, 0, 2, ['size/M', 'team/payments']),
          sync,
          again(sync),
          // Labeled before the push, delivered after it: it still shows the old head.
          event({ action: 'labeled', label: 'area/api' }, 0, 2.5, ['size/M', 'team/payments', 'area/api'], 'late'),
          event({ action: 'edited', sender: 'dev', changes: { title: { from: 'WIP' } } }, 1, 4, ['size/M', 'team/payments', 'area/api'], 'ignored'),
          event({ action: 'unlabeled', label: 'size/M' }, 1, 5, ['team/payments', 'area/api']),
        );
      } else if (kind === 'draft') {
        const ready = event({ action: 'ready_for_review', sender: 'dev' }, 0, 3, []);
        steps.push(
          event({ action: 'opened', sender: 'dev', draft: true }, 0, 0, []),
          event({ action: 'labeled', label: 'wip', draft: true }, 0, 1, ['wip']),
          event({ action: 'unlabeled', label: 'wip', draft: true }, 0, 2, []),
          ready,
          again(ready),
          event({ action: 'edited', sender: 'dev', changes: { base: { ref: { from: 'develop' }, sha: { from: '0'.repeat(40) } } } }, 0, 4, []),
        );
      } else {
        const bypass = repo.hotfix ? 'hotfix' : 'size/S';
        const actor = repo.hotfix ? BYPASS_ACTOR : LABEL_BOT;
        const labeled = event({ action: 'labeled', label: bypass, sender: actor }, 1, 2, [bypass]);
        steps.push(
          event({ action: 'opened', sender: 'dev' }, 0, 0, []),
          event({ action: 'synchronize', sender: 'dev' }, 1, 1, []),
          labeled,
          again(labeled),
          event({ action: 'labeled', label: 'needs-review' }, 1, 3, [bypass, 'needs-review']),
          event({ action: 'unlabeled', label: bypass, sender: actor }, 1, 4, ['needs-review']),
        );
      }
      sequences.push(steps);
    });
  });
  return { repos, policies, deliveries: interleave(sequences, seed), heads };
}

/** Repository i's SLOs: every third repository has a burning one; the others only passing ones. */
function slosFor(i: number): BenchSlo[] {
  const pick = Math.floor(i / 3);
  if (i % 3 === 0) {
    const burning = BLOCKING[pick % BLOCKING.length]!;
    return pick % 2 === 0 ? [burning] : [burning, PASSING[pick % PASSING.length]!];
  }
  const first = PASSING[i % 3 === 1 ? 0 : 1];
  const second = PASSING[i % 3 === 1 ? 1 : 0];
  return pick % 2 === 0 ? [first] : [first, second];
}

/** Merges the pull requests' sequences in a seeded random order that keeps each sequence's own order. */
function interleave(sequences: PlannedDelivery[][], seed: number): PlannedDelivery[] {
  const random = mulberry32(seed);
  const cursors = sequences.map(() => 0);
  const open = sequences.map((_, i) => i);
  const merged: PlannedDelivery[] = [];
  while (open.length > 0) {
    const pick = Math.floor(random() * open.length);
    const s = open[pick]!;
    merged.push(sequences[s]![cursors[s]!++]!);
    if (cursors[s] === sequences[s]!.length) open.splice(pick, 1);
  }
  return merged;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

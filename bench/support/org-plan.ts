/**
 * The org-wide incident (issue 8): one installation, 50 repositories, N open pull requests, three
 * policies that share the `checkout` SLO and add one SLO each. The synthetic data burns `checkout`
 * at 20× (2 % errors against a 99.9 % objective) over [T0 − 8h, T0 − 4h); the other services stay
 * at the baseline (0.05 % errors, burn 0.5). "During" the incident Prometheus answers as of
 * T0 − 6h (two hours into the burn: every gating rule fires on both windows), "after" it as of
 * T0 − 2h (two hours after: every window up to 1h holds only baseline, 39 % of the budget left).
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { startSyntheticPrometheus, type SyntheticPrometheus, type SyntheticService } from '../../test/support/prometheus-harness.js';

export const OWNER = 'acme';
export const INSTALLATION = 42;
export const REPOSITORIES = 50;
export const SHARED_SLO = 'checkout';
/** One SLO of its own per policy; the policy of repository i is i mod 3. */
export const OWN_SLOS = ['search', 'cart', 'payments'] as const;
/** Queries per SLO with the gating preset: windows 1m, 5m, 15m, 1h and the 30-day budget, errors and total each. */
export const QUERIES_PER_SLO = 10;
/** Distinct queries the whole organisation needs per evaluation round: every SLO once. */
export const DISTINCT_QUERIES = (1 + OWN_SLOS.length) * QUERIES_PER_SLO;

const HOUR = 3600;
const DAY = 86_400;
const BASELINE = 0.0005;
const BURNING = 0.02;
export const DURING_S = -6 * HOUR;
export const AFTER_S = -2 * HOUR;

const services: SyntheticService[] = [
  {
    name: SHARED_SLO,
    requestsPerSecond: 10,
    segments: [
      { from: -31 * DAY, errorFraction: BASELINE },
      { from: -8 * HOUR, errorFraction: BURNING },
      { from: -4 * HOUR, errorFraction: BASELINE },
    ],
  },
  ...OWN_SLOS.map((name) => ({ name, requestsPerSecond: 10, segments: [{ from: -31 * DAY, errorFraction: BASELINE }] })),
];

export function startOrgPrometheus(): Promise<SyntheticPrometheus> {
  return startSyntheticPrometheus(services, { from: -31 * DAY, until: 0, fineFrom: -9 * HOUR, coarseStep: 60, fineStep: 15 });
}

function slo(job: string) {
  return {
    name: job,
    objective: 99.9,
    sli: {
      events: {
        errorQuery: `sum(rate(http_requests_total{job="${job}",code="500"}[{{.window}}]))`,
        totalQuery: `sum(rate(http_requests_total{job="${job}"}[{{.window}}]))`,
      },
    },
  };
}

/**
 * Policy k: the shared SLO and its own, the gating preset, a bypass label, and no comment, so that
 * the figures are the statuses' (a comment is one more write per pull request and flip, and GitHub
 * spaces comment creations 3 s apart).
 */
export function policyYaml(k: number): string {
  return stringify({ slos: [slo(SHARED_SLO), slo(OWN_SLOS[k % OWN_SLOS.length]!)], comment: 'never', bypass: { labels: ['hotfix'], minPermission: 'write' } });
}

export const repoName = (i: number) => `svc-${String(i).padStart(2, '0')}`;

export function orgPolicies(): Map<string, string> {
  return new Map(Array.from({ length: REPOSITORIES }, (_, i) => [`${OWNER}/${repoName(i)}`, policyYaml(i)]));
}

export interface PlannedPullRequest {
  repo: string;
  number: number;
  sha: string;
}

/** Pull request j lives in repository j mod 50; its number counts up per repository, from `firstNumber`. */
export function planPullRequests(count: number, firstNumber = 1): PlannedPullRequest[] {
  return Array.from({ length: count }, (_, j) => {
    const repo = repoName(j % REPOSITORIES);
    const number = firstNumber + Math.floor(j / REPOSITORIES);
    return { repo, number, sha: shaOf(repo, number) };
  });
}

export function shaOf(repo: string, number: number): string {
  return createHash('sha1').update(`${OWNER}/${repo}#${number}`).digest('hex');
}

import { gitHubError } from '../github/errors.js';
import { loadPolicy, type LoadedPolicy } from '../github/policy-source.js';
import type { Octokit } from '../github/pull-request.js';
import type { RangeSource } from '../metrics/range-source.js';
import { findEnvironment, policyForEnvironment } from '../policy/environments.js';
import type { Policy } from '../policy/schema.js';
import { collectHistory, type History } from './collect.js';
import type { Marker } from './render-charts.js';
import { renderPage } from './render-page.js';
import type { DetailsClaims } from './token.js';

export interface PageSources {
  /** Range queries, already limited and cached for the pages (cached-range.ts). */
  range: RangeSource;
  /** The installation's Octokit for a repository; undefined when the app is not installed there. */
  octokitFor: (owner: string, repo: string) => Promise<Octokit | undefined>;
  /** The re-check interval of pull requests, for "looks again within". */
  recheckIntervalMs: number;
  now: () => number;
  /** Range queries one page sends at once. */
  concurrency?: number;
  /** The history of a policy's SLOs as of a moment: collectHistory by default; the endpoint shares one per repository and minute. */
  history?: (repo: string, policy: Policy, nowMs: number) => Promise<History>;
  /** How the policy is read: the gate's cached reader when the app has one; loadPolicy by default. */
  loadPolicy?: (octokit: Octokit, where: { owner: string; repo: string }) => Promise<LoadedPolicy>;
}

/** The page, or `not-found` for a link naming what is not there (no installation, no policy, none of its SLOs). */
export type LoadedPage = { kind: 'page'; html: string } | { kind: 'not-found' };

const MAX_DEPLOY_MARKERS = 30;

/**
 * Everything one details page needs: the policy from the default branch (as the gate reads it),
 * only the SLOs the link names, their history through range queries, and the repository's recent
 * deployments as markers. Throws for a failure to read GitHub or a policy that cannot be used.
 */
export async function loadPage(claims: DetailsClaims, sources: PageSources): Promise<LoadedPage> {
  const [owner, repo] = claims.repo.split('/') as [string, string];
  const octokit = await sources.octokitFor(owner, repo);
  if (!octokit) return { kind: 'not-found' };
  const loaded = await (sources.loadPolicy ?? loadPolicy)(octokit, { owner, repo });
  if (loaded.kind !== 'policy') return { kind: 'not-found' };
  let policy: Policy = loaded.policy;
  let subject = 'sha' in claims ? `commit ${claims.sha.slice(0, 7)}` : '';
  if ('deployment' in claims) {
    const deployment = await readDeployment(octokit, owner, repo, claims.deployment);
    if (!deployment) return { kind: 'not-found' };
    const environment = findEnvironment(policy, deployment.environment);
    if (environment) policy = policyForEnvironment(policy, environment);
    subject = `deployment ${claims.deployment} of ${deployment.sha.slice(0, 7)} to ${deployment.environment}`;
  }
  const slos = policy.slos.filter((slo) => claims.slos.includes(slo.name));
  if (slos.length === 0) return { kind: 'not-found' };
  policy = { ...policy, slos };

  const now = sources.now();
  const [history, deployments] = await Promise.all([
    sources.history ? sources.history(claims.repo, policy, now) : collectHistory(policy, sources.range, now, sources.concurrency),
    recentDeployments(octokit, owner, repo, 'deployment' in claims ? claims.deployment : undefined),
  ]);
  const html = renderPage({
    repo: claims.repo,
    subject,
    policy,
    history,
    markers: deployments.markers,
    markersNote: deployments.note,
    recheckEveryMs: 'sha' in claims ? sources.recheckIntervalMs : undefined,
  });
  return { kind: 'page', html };
}

async function readDeployment(octokit: Octokit, owner: string, repo: string, id: number) {
  try {
    const { data } = await octokit.rest.repos.getDeployment({ owner, repo, deployment_id: id });
    return { environment: data.environment, sha: data.sha };
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return undefined;
    throw gitHubError(`reading deployment ${id}`, error);
  }
}

/**
 * The repository's newest deployments, one request: the app keeps no index of them, and this is
 * cheap next to the range queries. A failure costs the markers, never the page.
 */
async function recentDeployments(octokit: Octokit, owner: string, repo: string, current: number | undefined): Promise<{ markers: Marker[]; note?: string }> {
  try {
    const { data } = await octokit.rest.repos.listDeployments({ owner, repo, per_page: MAX_DEPLOY_MARKERS });
    const markers = data.map((d) => ({
      at: Math.floor(Date.parse(d.created_at) / 1000),
      label: d.id === current ? `this deployment (${d.environment})` : `deploy ${d.environment}`,
    }));
    return { markers: markers.filter((m) => Number.isFinite(m.at)) };
  } catch (error) {
    return { markers: [], note: `Deployments are not marked: GitHub did not list them (${gitHubError('listing deployments', error).message}).` };
  }
}

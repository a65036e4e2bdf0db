import type { Logger, Probot } from 'probot';
import { gitHubError } from '../github/errors.js';
import type { Octokit } from '../github/pull-request.js';
import type { RangeSource } from '../metrics/range-source.js';
import type { Store } from '../state/store.js';
import { cachedRangeSource } from './cached-range.js';
import { detailsEndpoint } from './endpoint.js';
import { detailsLinks, type DetailsLinks } from './link.js';
import type { PageSources } from './load-page.js';

/** What the app needs for details links and pages: PUBLIC_URL, the signing key, and range queries. */
export interface DetailsDependencies {
  publicUrl: string;
  key: Buffer;
  range: RangeSource;
}

/** Range queries in flight for details pages from this process, apart from the gate's own MAX_QUERIES_IN_FLIGHT. */
export const DETAILS_QUERIES_IN_FLIGHT = 8;
/** A range answer serves every page asking for it within this (the 6 h span's step is a minute). */
const RANGE_CACHE_TTL_MS = 60_000;
const INSTALLATION_TTL_MS = 10 * 60_000;
const MAX_INSTALLATIONS_KEPT = 10_000;

export function linksOf(deps: DetailsDependencies, store: Store, now: () => number): DetailsLinks {
  return detailsLinks({ publicUrl: deps.publicUrl, key: deps.key, store, now });
}

export interface DetailsWiring {
  app: Probot;
  store: Store;
  now: () => number;
  recheckIntervalMs: number;
  auth: (installationId: number) => Promise<Octokit>;
  log: Logger;
  loadPolicy?: PageSources['loadPolicy'];
}

/** The HTTP handler for details pages, to mount on Probot's server (`options.addHandler`). */
export function detailsHandler(deps: DetailsDependencies, wiring: DetailsWiring) {
  return detailsEndpoint({
    key: deps.key,
    log: wiring.log,
    now: wiring.now,
    recheckIntervalMs: wiring.recheckIntervalMs,
    range: cachedRangeSource(deps.range, wiring.store, RANGE_CACHE_TTL_MS, DETAILS_QUERIES_IN_FLIGHT),
    octokitFor: installationOctokits(wiring),
    loadPolicy: wiring.loadPolicy,
  });
}

/**
 * The installation Octokit of a repository, found with the App's own token (one request, then
 * remembered for a while); undefined when the App is not installed there.
 */
function installationOctokits({ app, auth, now }: DetailsWiring): PageSources['octokitFor'] {
  const known = new Map<string, { id: number; until: number }>();
  return async (owner, repo) => {
    const slug = `${owner}/${repo}`.toLowerCase();
    const hit = known.get(slug);
    if (hit && hit.until > now()) return auth(hit.id);
    let id: number;
    try {
      const appOctokit = await app.auth();
      ({
        data: { id },
      } = await appOctokit.rest.apps.getRepoInstallation({ owner, repo }));
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return undefined;
      throw gitHubError(`finding the installation of ${owner}/${repo}`, error);
    }
    if (known.size >= MAX_INSTALLATIONS_KEPT) known.clear();
    known.set(slug, { id, until: now() + INSTALLATION_TTL_MS });
    return auth(id);
  };
}

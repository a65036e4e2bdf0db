import { GitHubError } from '../errors.js';
import { call } from './errors.js';

/** The little of an app-authenticated (JWT) Octokit this needs: `GET /app`. */
export interface AppOctokit {
  rest: { apps: { getAuthenticated: () => Promise<{ data: unknown }> } };
}

/** A GitHub App's slug: what its bot account is named after. */
const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/i;

/** This app's own bot account, `<slug>[bot]`, from `GET /app` (which needs the app's JWT, not an installation token). */
export async function fetchBotLogin(octokit: AppOctokit): Promise<string> {
  const { data } = await call('reading this app (GET /app)', () => octokit.rest.apps.getAuthenticated());
  const slug = (data as { slug?: unknown } | null)?.slug;
  if (typeof slug !== 'string' || !SLUG.test(slug)) {
    throw new GitHubError('GitHub: GET /app answered without a usable app slug, so slo-gate cannot tell which comments are its own', undefined);
  }
  return `${slug}[bot]`;
}

/**
 * The bot login, asked once per process: callers at the same moment share one request, and every
 * later caller gets the answer. A failure is not kept, so the next caller asks again.
 */
export function botIdentity(appOctokit: () => Promise<AppOctokit>): () => Promise<string> {
  let login: Promise<string> | undefined;
  return () => {
    login ??= appOctokit()
      .then(fetchBotLogin)
      .catch((error: unknown) => {
        login = undefined;
        throw error;
      });
    return login;
  };
}

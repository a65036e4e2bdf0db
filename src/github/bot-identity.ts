import { GitHubError } from '../errors.js';
import { call } from './errors.js';

/** The little of an app-authenticated (JWT) Octokit this needs: `GET /app`. */
export interface AppOctokit {
  rest: { apps: { getAuthenticated: () => Promise<{ data: unknown }> } };
}

/** A GitHub App's slug: what its bot account is named after. */
const SLUG = /^[a-z0-9][a-z0-9-]{0,99}$/i;

/** This app as `GET /app` names it: its bot login (validated) and its numeric id (undefined when GitHub gave none). */
async function fetchApp(octokit: AppOctokit): Promise<{ login: string; id: number | undefined }> {
  const { data } = await call('reading this app (GET /app)', () => octokit.rest.apps.getAuthenticated());
  const { slug, id } = (data ?? {}) as { slug?: unknown; id?: unknown };
  if (typeof slug !== 'string' || !SLUG.test(slug)) {
    throw new GitHubError('GitHub: GET /app answered without a usable app slug, so slo-gate cannot tell which comments are its own', undefined);
  }
  return { login: `${slug}[bot]`, id: typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined };
}

/** This app's own bot account, `<slug>[bot]`, from `GET /app` (which needs the app's JWT, not an installation token). */
export async function fetchBotLogin(octokit: AppOctokit): Promise<string> {
  return (await fetchApp(octokit)).login;
}

export interface AppIdentity {
  /** `<slug>[bot]`: only our own summary comment is ever edited. */
  botLogin: () => Promise<string>;
  /** The app's id: only our own check runs are updated or re-run (src/github/check-run.ts). */
  appId: () => Promise<number>;
}

/**
 * This app, asked once per process: callers at the same moment share one `GET /app`, and every
 * later caller gets the answer. A failure is not kept, so the next caller asks again.
 */
export function appIdentity(appOctokit: () => Promise<AppOctokit>): AppIdentity {
  let app: Promise<{ login: string; id: number | undefined }> | undefined;
  const ask = () =>
    (app ??= appOctokit()
      .then(fetchApp)
      .catch((error: unknown) => {
        app = undefined;
        throw error;
      }));
  return {
    botLogin: async () => (await ask()).login,
    async appId() {
      const { id } = await ask();
      if (id === undefined)
        throw new GitHubError('GitHub: GET /app answered without a usable app id, so slo-gate cannot tell which check runs are its own', undefined);
      return id;
    },
  };
}

/** The bot login alone (see appIdentity). */
export function botIdentity(appOctokit: () => Promise<AppOctokit>): () => Promise<string> {
  return appIdentity(appOctokit).botLogin;
}

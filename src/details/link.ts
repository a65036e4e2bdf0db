import { createHash } from 'node:crypto';
import type { Report } from '../gate/report.js';
import type { Store } from '../state/store.js';
import { linkable, signDetailsToken, type DetailsSubject } from './token.js';

/** A details link works this long after it is issued (issue 9's default). */
export const DETAILS_LINK_VALID_MS = 14 * 86_400_000;
/** A link is handed out again until it has this much life left, then a fresh one replaces it. */
const REISSUE_BEFORE_MS = 86_400_000;

/** The path the details page is served under, on PUBLIC_URL. */
export const DETAILS_PATH = '/slo-gate/details/';

export interface DetailsLinks {
  /**
   * The details page URL for a head or deployment and the SLOs it is gated on; undefined when no
   * link can be made (a name that cannot be put in a link). For the same subject and SLOs it is
   * the same URL for a day short of its life, so a status or comment is not rewritten for a new link.
   */
  detailsUrl(subject: DetailsSubject, slos: readonly string[]): Promise<string | undefined>;
}

export interface DetailsLinkOptions {
  /** The app's public base URL (PUBLIC_URL), without a trailing slash needed. */
  publicUrl: string;
  key: Buffer;
  store: Store;
  now: () => number;
  validForMs?: number;
}

export function detailsLinks({ publicUrl, key, store, now, validForMs = DETAILS_LINK_VALID_MS }: DetailsLinkOptions): DetailsLinks {
  const base = `${publicUrl.replace(/\/+$/, '')}${DETAILS_PATH}`;
  // A new key (a rotated secret) must not hand out links signed with the old one.
  const keyId = createHash('sha256').update(key).digest('base64url').slice(0, 12);
  const keepFor = Math.max(1000, validForMs - Math.min(REISSUE_BEFORE_MS, validForMs / 2));
  return {
    async detailsUrl(subject, slos) {
      if (!linkable(subject, slos)) return undefined;
      const names = [...slos];
      const which = 'sha' in subject ? `${subject.repo}@${subject.sha}` : `${subject.repo}:deployment:${subject.deployment}`;
      const id = createHash('sha256')
        .update(JSON.stringify([which, names]))
        .digest('base64url');
      const token = await store.cached(`details-link:${keyId}:${id}`, keepFor, async () =>
        signDetailsToken(key, { ...subject, slos: names, expires: Math.floor((now() + validForMs) / 1000) }),
      );
      return `${base}${token}`;
    },
  };
}

/** The details link for a report, when links are on and there is a verdict to chart (an unusable policy has no SLOs to show). */
export async function reportDetailsUrl(links: DetailsLinks | undefined, subject: DetailsSubject, report: Report): Promise<string | undefined> {
  if (!links || report.kind !== 'verdict') return undefined;
  return links.detailsUrl(
    subject,
    report.verdict.assessment.slos.map((result) => result.slo.name),
  );
}

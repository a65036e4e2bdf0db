import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** What a details link names: a repository, and a pull request's head or a deployment. Nothing else. */
export type DetailsSubject = { repo: string; sha: string } | { repo: string; deployment: number };

/** A verified link: its subject, the SLOs it shows, and when it stops working (Unix seconds). */
export type DetailsClaims = DetailsSubject & { slos: string[]; expires: number };

/** Links are refused past these, so a token stays a URL GitHub keeps and a check costs little. */
export const MAX_TOKEN_LENGTH = 3000;
export const MAX_LINK_SLOS = 50;

/** The HKDF label: a key for details links and nothing else, even though it comes from the webhook secret. */
const KEY_LABEL = 'slo-gate details-page link v1';
const MAC_BYTES = 32;

/** `owner/name` as GitHub allows them (an owner has no dots; a name may start with one, as `.github`, but is not `.` or `..`). */
const REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;
const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const SLO_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * The key that signs details links, derived with HKDF-SHA256 from the operator's webhook secret
 * under a fixed label: no second secret to manage, and a key that signs nothing else (a webhook
 * signature can never pass for a link, nor the other way round). Rotating the secret ends every link.
 */
export function detailsKey(webhookSecret: string): Buffer {
  if (webhookSecret === '') throw new RangeError('a details key needs a secret');
  return Buffer.from(hkdfSync('sha256', webhookSecret, '', KEY_LABEL, 32));
}

/** `base64url(JSON).base64url(HMAC-SHA256)`: compact, and readable by anyone, so it names nothing secret. */
export function signDetailsToken(key: Buffer, claims: DetailsClaims): string {
  const body = 'sha' in claims ? { r: claims.repo, h: claims.sha } : { r: claims.repo, d: claims.deployment };
  const payload = Buffer.from(JSON.stringify({ ...body, n: claims.slos, e: claims.expires })).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/**
 * The claims of a token this key signed that has not expired at `nowSeconds`; undefined for
 * anything else (forged, altered, expired, malformed), never saying which. Never throws.
 */
export function verifyDetailsToken(key: Buffer, token: string, nowSeconds: number): DetailsClaims | undefined {
  if (token.length > MAX_TOKEN_LENGTH) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return undefined;
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  // Constant-time compare (a MAC's length is no secret); a MAC in another spelling of the same bytes is refused too.
  const same = given.length === MAC_BYTES && timingSafeEqual(given, mac(key, payload));
  if (!same || token.slice(dot + 1) !== given.toString('base64url')) return undefined;
  const claims = parseClaims(payload);
  return claims && claims.expires > nowSeconds ? claims : undefined;
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}

function parseClaims(payload: string): DetailsClaims | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    // Only a payload this key signed gets here; refuse a malformed one all the same.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { r, h, d, n, e } = json as Record<string, unknown>;
  if (typeof r !== 'string' || !REPO.test(r)) return undefined;
  if (!Array.isArray(n) || n.length === 0 || n.length > MAX_LINK_SLOS || !n.every((s) => typeof s === 'string' && SLO_NAME.test(s))) return undefined;
  if (typeof e !== 'number' || !Number.isSafeInteger(e)) return undefined;
  const slos = n as string[];
  if (typeof h === 'string' && d === undefined && SHA.test(h)) return { repo: r, sha: h, slos, expires: e };
  if (typeof d === 'number' && h === undefined && Number.isSafeInteger(d) && d > 0) return { repo: r, deployment: d, slos, expires: e };
  return undefined;
}

/** Whether a subject and SLO names can be put in a link at all (a name GitHub or the policy would never produce cannot). */
export function linkable(subject: DetailsSubject, slos: readonly string[]): boolean {
  if (!REPO.test(subject.repo) || slos.length === 0 || slos.length > MAX_LINK_SLOS || !slos.every((s) => SLO_NAME.test(s))) return false;
  return 'sha' in subject ? SHA.test(subject.sha) : Number.isSafeInteger(subject.deployment) && subject.deployment > 0;
}

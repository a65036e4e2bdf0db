import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { DETAILS_PATH, detailsLinks } from '../../src/details/link.js';
import { detailsKey, MAX_TOKEN_LENGTH, signDetailsToken, verifyDetailsToken, type DetailsClaims } from '../../src/details/token.js';

const key = detailsKey('webhook-secret-of-the-operator');
const sha = 'a'.repeat(40);
const NOW = 1_800_000_000;
const claims: DetailsClaims = { repo: 'acme/shop', sha, slos: ['checkout', 'search'], expires: NOW + 60 };

describe('details links', () => {
  it('opens a link it signed, with exactly the repository, head, SLOs and expiry it named', () => {
    expect(verifyDetailsToken(key, signDetailsToken(key, claims), NOW)).toEqual(claims);
    const deployment: DetailsClaims = { repo: 'acme/shop', deployment: 42, slos: ['checkout'], expires: NOW + 60 };
    expect(verifyDetailsToken(key, signDetailsToken(key, deployment), NOW)).toEqual(deployment);
  });

  it('puts nothing in the token but the repository, the head, the SLO names and the expiry', () => {
    const payload = JSON.parse(Buffer.from(signDetailsToken(key, claims).split('.')[0]!, 'base64url').toString());
    expect(payload).toEqual({ r: 'acme/shop', h: sha, n: ['checkout', 'search'], e: NOW + 60 });
  });

  it('refuses a link once it has expired, to the second', () => {
    const token = signDetailsToken(key, claims);
    expect(verifyDetailsToken(key, token, NOW + 59)).toBeDefined();
    expect(verifyDetailsToken(key, token, NOW + 60)).toBeUndefined();
  });

  it('refuses a link signed with another secret', () => {
    expect(verifyDetailsToken(key, signDetailsToken(detailsKey('another-secret'), claims), NOW)).toBeUndefined();
  });

  it('does not take the webhook secret itself as the key: a link MACed with it is refused', () => {
    expect(verifyDetailsToken(key, signDetailsToken(Buffer.from('webhook-secret-of-the-operator'), claims), NOW)).toBeUndefined();
  });

  it.each([
    ['another repository', (t: string) => swapPayload(t, { r: 'acme/bank', h: sha, n: ['checkout', 'search'], e: NOW + 60 })],
    ['a later expiry', (t: string) => swapPayload(t, { r: 'acme/shop', h: sha, n: ['checkout', 'search'], e: NOW + 6000 })],
    ['a flipped MAC character', (t: string) => t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.at(-1)],
    ['a truncated MAC', (t: string) => t.slice(0, -4)],
    ['no MAC', (t: string) => t.split('.')[0]!],
    ['an extra part', (t: string) => `${t}.x`],
    ['an empty token', () => ''],
    ['a token far too long', (t: string) => t + 'A'.repeat(MAX_TOKEN_LENGTH)],
  ])('refuses a link altered to %s', (_name, alter) => {
    expect(verifyDetailsToken(key, alter(signDetailsToken(key, claims)), NOW)).toBeUndefined();
  });

  it('opens a correctly signed token for the organisation .github repository', () => {
    const body = Buffer.from(JSON.stringify({ r: 'acme/.github', h: sha, n: ['a'], e: NOW + 60 })).toString('base64url');
    expect(verifyDetailsToken(key, `${body}.${signedMac(body)}`, NOW)?.repo).toBe('acme/.github');
  });

  it.each([
    ['a repository that is not owner/name', { r: 'acme', h: sha, n: ['a'], e: NOW + 60 }],
    ['a repository that climbs out of its owner', { r: 'acme/..', h: sha, n: ['a'], e: NOW + 60 }],
    ['a path for a repository', { r: '../etc', h: sha, n: ['a'], e: NOW + 60 }],
    ['a head that is not a SHA', { r: 'a/b', h: 'main', n: ['a'], e: NOW + 60 }],
    ['both a head and a deployment', { r: 'a/b', h: sha, d: 1, n: ['a'], e: NOW + 60 }],
    ['no SLOs', { r: 'a/b', h: sha, n: [], e: NOW + 60 }],
    ['an SLO name with markup', { r: 'a/b', h: sha, n: ['<script>'], e: NOW + 60 }],
    ['an expiry that is not a number', { r: 'a/b', h: sha, n: ['a'], e: 'never' }],
  ])('refuses even a correctly signed token naming %s', (_name, payload) => {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    // Signed the way signDetailsToken signs, with the real key: only the payload's checks can refuse it.
    expect(verifyDetailsToken(key, `${body}.${signedMac(body)}`, NOW)).toBeUndefined();
  });

  it('hands out the same link for the same head and SLOs, so statuses and comments are not rewritten', async () => {
    let now = NOW * 1000;
    const links = detailsLinks({ publicUrl: 'https://gate.example.com/', key, store: createMemoryStore(), now: () => now });
    const first = await links.detailsUrl({ repo: 'acme/shop', sha }, ['checkout']);
    now += 3_600_000;
    expect(await links.detailsUrl({ repo: 'acme/shop', sha }, ['checkout'])).toBe(first);
    expect(first!.startsWith(`https://gate.example.com${DETAILS_PATH}`)).toBe(true);
    expect(await links.detailsUrl({ repo: 'acme/shop', sha }, ['checkout', 'search'])).not.toBe(first);
    const token = first!.slice(`https://gate.example.com${DETAILS_PATH}`.length);
    expect(verifyDetailsToken(key, token, NOW + 3600)?.expires).toBe(NOW + 14 * 86_400);
  });

  it('makes no link for a name that could not be in one', async () => {
    const links = detailsLinks({ publicUrl: 'https://gate.example.com', key, store: createMemoryStore(), now: () => NOW * 1000 });
    expect(await links.detailsUrl({ repo: 'acme/shop', sha }, [])).toBeUndefined();
    expect(await links.detailsUrl({ repo: 'acme/shop', sha: 'main' }, ['checkout'])).toBeUndefined();
  });
});

function swapPayload(token: string, payload: unknown): string {
  return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${token.split('.')[1]}`;
}

function signedMac(body: string): string {
  return createHmac('sha256', key).update(body).digest('base64url');
}

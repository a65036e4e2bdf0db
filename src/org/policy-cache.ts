import { createHash } from 'node:crypto';
import { loadPolicy, type LoadedPolicy } from '../github/policy-source.js';
import type { Octokit } from '../github/pull-request.js';
import type { GateServices } from '../handlers/services.js';
import { z } from 'zod';
import { policySchema, type Policy } from '../policy/schema.js';
import type { Store } from '../state/store.js';

/** The safety net: a policy is read again at least this often, even if no push told us it changed. */
export const POLICY_CACHE_TTL_MS = 3_600_000;
/** How long a repository is remembered as reading another's policy (its `.github` default, an `_extends`). */
const DEPENDENTS_TTL_MS = 7 * 86_400_000;
/** Repositories remembered per policy source; an organisation with more is re-evaluated on their own TTL. */
export const MAX_DEPENDENTS = 10_000;

export interface RepoName {
  owner: string;
  repo: string;
}

/**
 * The shape of a parsed policy, as a short hash of its JSON Schema. Entries are parsed policies, so
 * a replica must never read one written by a replica whose code parses another shape (a rolling
 * deploy that adds a key): the shape is part of the key, and each version reads only its own.
 */
export const POLICY_SHAPE = shapeOf(policySchema);

/** A short hash of what a schema's parsed values look like: their keys, types and defaults. */
export function shapeOf(schema: z.ZodType): string {
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return createHash('sha256').update(JSON.stringify(jsonSchema)).digest('hex').slice(0, 12);
}

const slugOf = ({ owner, repo }: RepoName) => `${owner}/${repo}`;
const cacheKey = (slug: string) => `policy-cache:${POLICY_SHAPE}:${slug.toLowerCase()}`;
const dependentsKey = (slug: string) => `policy-dependents:${slug.toLowerCase()}`;
const markKey = (slug: string) => `policy-changed:${slug.toLowerCase()}`;

/** The change mark of each source ('' for one never changed while remembered). */
async function marksOf(store: Store, sources: string[]): Promise<Array<[string, string]>> {
  return Promise.all(sources.map(async (source): Promise<[string, string]> => [source.toLowerCase(), (await store.get(markKey(source))) ?? '']));
}

/**
 * A repository's policy as `loadPolicy` reads it (its own, the organisation default, what it
 * extends; `none` and `invalid` included), reused for `policyCacheTtlMs`. A failure to read is
 * never cached: it is asked again next time. The entry remembers, for every repository consulted
 * on the way, that repository's change mark (see invalidatePolicy) as it was before the read: an
 * entry is used only while all those marks are unchanged, so a push to the organisation's
 * `.github` repository invalidates every repository reading its default at once. Every consulted
 * repository also remembers this one as its dependent, so its pull requests can be looked at again.
 */
export async function cachedPolicy(services: Pick<GateServices, 'store' | 'policyCacheTtlMs'>, octokit: Octokit, name: RepoName): Promise<LoadedPolicy> {
  const { store } = services;
  const ttlMs = services.policyCacheTtlMs ?? POLICY_CACHE_TTL_MS;
  const slug = slugOf(name);
  if (ttlMs <= 0) return loadPolicy(octokit, name);
  const hit = parseEntry(await store.get(cacheKey(slug)));
  if (hit && (await marksOf(store, Object.keys(hit.marks))).every(([source, mark]) => hit.marks[source] === mark)) return hit.loaded;
  // Marks read before the files: a push landing during the read changes a mark, and the entry is not used.
  const before = new Map(await marksOf(store, [slug, `${name.owner}/.github`]));
  const consulted: RepoName[] = [];
  const loaded = await loadPolicy(octokit, name, (where) => consulted.push(where));
  const sources = [...new Set(consulted.map((c) => slugOf(c).toLowerCase()))];
  const late = await marksOf(
    store,
    sources.filter((source) => !before.has(source)),
  );
  const marks = Object.fromEntries(sources.map((source) => [source, before.get(source) ?? late.find(([s]) => s === source)?.[1] ?? '']));
  await store.set(cacheKey(slug), JSON.stringify({ loaded, marks }), ttlMs);
  for (const source of consulted) if (slugOf(source).toLowerCase() !== slug.toLowerCase()) await addDependent(store, slugOf(source), name);
  return loaded;
}

/** The repository's cached policy as it was last read, whether or not a push has made it stale since; no GitHub request. */
export async function peekPolicy(store: Store, name: RepoName): Promise<LoadedPolicy | undefined> {
  return parseEntry(await store.get(cacheKey(slugOf(name))))?.loaded;
}

/**
 * A push changed this repository's policy file: every cached policy that consulted it (its own,
 * and those of the repositories reading it as the organisation default or through `_extends`) is
 * read again next time. Returns those other repositories, whose pull requests deserve a new look.
 */
export async function invalidatePolicy(store: Store, name: RepoName, random: () => number = Math.random): Promise<RepoName[]> {
  const slug = slugOf(name);
  await store.set(markKey(slug), `${Date.now().toString(36)}-${random().toString(36).slice(2)}`, POLICY_CACHE_TTL_MS * 24);
  return parseDependents(await store.get(dependentsKey(slug))).filter((d) => slugOf(d).toLowerCase() !== slug.toLowerCase());
}

/** Names the policy's gate group: the same measurements and the same decision rules. Environments do not gate pull requests. */
export function policyFingerprint(policy: Policy): string {
  return createHash('sha256')
    .update(JSON.stringify(gatingPart(policy)))
    .digest('hex')
    .slice(0, 16);
}

/** The part of a policy a pull request's verdict depends on. */
export function gatingPart(policy: Policy): Policy {
  return { ...policy, environments: {} };
}

async function addDependent(store: Store, source: string, dependent: RepoName): Promise<void> {
  const same = (d: RepoName) => slugOf(d).toLowerCase() === slugOf(dependent).toLowerCase();
  if (parseDependents(await store.get(dependentsKey(source))).some(same)) return;
  await store.withLock(dependentsKey(source), async () => {
    const known = parseDependents(await store.get(dependentsKey(source)));
    if (known.some(same) || known.length >= MAX_DEPENDENTS) return;
    await store.set(dependentsKey(source), JSON.stringify([...known, { owner: dependent.owner, repo: dependent.repo }]), DEPENDENTS_TTL_MS);
  });
}

function parseEntry(text: string | undefined): { loaded: LoadedPolicy; marks: Record<string, string> } | undefined {
  if (!text) return undefined;
  const value = JSON.parse(text) as { loaded?: LoadedPolicy; marks?: Record<string, string> };
  const kind = value.loaded?.kind;
  if ((kind !== 'none' && kind !== 'policy' && kind !== 'invalid') || typeof value.marks !== 'object' || value.marks === null) return undefined;
  return { loaded: value.loaded!, marks: value.marks };
}

function parseDependents(text: string | undefined): RepoName[] {
  if (!text) return [];
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value)) return [];
  return value.filter((d: unknown): d is RepoName => typeof (d as Partial<RepoName>)?.owner === 'string' && typeof (d as Partial<RepoName>)?.repo === 'string');
}

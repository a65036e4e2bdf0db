import type { Store } from '../state/store.js';

/** Where a target points and when GitHub last changed it (a pull request's `updated_at`, a push's time). */
export interface TargetVersion {
  sha: string;
  /** RFC 3339; orders events for the same target. */
  at: string;
}

const VERSION_TTL_MS = 30 * 86_400_000;

/**
 * True when a newer version of this target has been seen: this request is late (delivered late,
 * redelivered, replayed) or was overtaken while it waited, and must not act or write. Otherwise
 * records this version as the newest seen. The record only ever moves forward in time, so a late
 * event can neither act nor drag the record back for the events after it.
 */
export async function isSuperseded(store: Store, key: string, version: TargetVersion | undefined): Promise<boolean> {
  if (!version) return false;
  const at = Date.parse(version.at);
  const seen = parseVersion(await store.get(`version:${key}`));
  if (seen) {
    const seenAt = Date.parse(seen.at);
    // An unreadable time cannot be ordered: treat it as older than anything already seen.
    if (!Number.isFinite(at) || at < seenAt) return true;
    if (at === seenAt && seen.sha === version.sha) return false;
  }
  await store.set(`version:${key}`, JSON.stringify({ sha: version.sha, at: version.at }), VERSION_TTL_MS);
  return false;
}

function parseVersion(text: string | undefined): TargetVersion | undefined {
  if (!text) return undefined;
  const value = JSON.parse(text) as Partial<TargetVersion>;
  return typeof value.sha === 'string' && typeof value.at === 'string' && Number.isFinite(Date.parse(value.at)) ? { sha: value.sha, at: value.at } : undefined;
}

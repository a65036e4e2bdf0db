import { createHash } from 'node:crypto';
import type { RangeSource } from '../metrics/range-source.js';
import type { Policy } from '../policy/schema.js';
import { collectHistory, type History } from './collect.js';

const MAX_KEPT = 256;

/**
 * One history per repository, policy and minute, shared by every link that shows it: the pull
 * requests of a repository all chart the same SLOs, so a hundred readers of a hundred links cost
 * one build. Kept for `ttlMs`; a failed build is not kept.
 */
export function sharedHistory(range: RangeSource, ttlMs: number, now: () => number, concurrency?: number) {
  const kept = new Map<string, { until: number; history: Promise<History> }>();
  return (repo: string, policy: Policy, nowMs: number): Promise<History> => {
    const key = `${createHash('sha256')
      .update(JSON.stringify([repo, policy]))
      .digest('base64url')}:${Math.floor(nowMs / 60_000)}`;
    const hit = kept.get(key);
    if (hit && hit.until > now()) return hit.history;
    if (kept.size >= MAX_KEPT) for (const [k, v] of kept) if (v.until <= now() || kept.size >= MAX_KEPT) kept.delete(k);
    const history = collectHistory(policy, range, nowMs, concurrency);
    kept.set(key, { until: now() + ttlMs, history });
    history.catch(() => kept.delete(key));
    return history;
  };
}

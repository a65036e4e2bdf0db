import type { Logger } from 'probot';
import { StoreUnavailableError } from '../errors.js';
import { commitStatuses } from '../github/commit-status.js';
import { loadPolicy } from '../github/policy-source.js';
import { DEFAULT_CONTEXT, statusMemoKey, type StatusMemo } from '../github/publish.js';
import type { Octokit } from '../github/pull-request.js';
import type { Job, Store } from '../state/store.js';
import type { Telemetry } from '../telemetry.js';

/** Re-checks one replica remembers while the store is down; beyond this, new ones are refused loudly. */
export const MAX_REMEMBERED = 10_000;
/** How often the store is asked whether it is back while re-checks wait for it. */
export const PING_EVERY_MS = 5_000;
/** Once it is back, the remembered re-checks run at random moments within this span, not all at once. */
export const CATCH_UP_SPREAD_MS = 30_000;
/** What a head shows while its evaluation waits for the store (at most 140 characters, as GitHub allows). */
export const STORE_DOWN_DESCRIPTION = 'slo-gate cannot reach its shared state (Redis); it evaluates again once it is back';
/** As long as publish remembers the statuses it writes. */
const MEMO_TTL_MS = 30 * 86_400_000;

export interface StoreOutageOptions {
  pingEveryMs?: number;
  spreadMs?: number;
  max?: number;
  random?: () => number;
}

/** A value to write once the store answers: the memo of a status written while it could not. */
export interface DeferredValue {
  key: string;
  value: string;
  ttlMs: number;
}

export interface StoreOutage {
  /** Keeps `job` (one per id, the latest wins; values add up) until the store takes it; false, and logged, when the backlog is full. */
  remember(job: Job, values?: readonly DeferredValue[]): boolean;
  /** If the store answers, writes the deferred values and schedules the jobs; resolves to how many it scheduled. */
  catchUp(): Promise<number>;
  readonly size: number;
}

/**
 * The re-checks this replica could not schedule while the store was unreachable, kept in memory
 * (bounded) and handed to the store once it answers a ping again, spread over a short span so
 * every affected target is evaluated properly without a new webhook. The ping timer runs only
 * while something waits. A replica stopped during the outage loses its backlog; the `error`
 * statuses it wrote stay, so nothing passes that should not.
 */
export function storeOutage(store: Pick<Store, 'ping' | 'set' | 'jobs'>, log: Logger, options: StoreOutageOptions = {}): StoreOutage {
  const { pingEveryMs = PING_EVERY_MS, spreadMs = CATCH_UP_SPREAD_MS, max = MAX_REMEMBERED, random = Math.random } = options;
  const backlog = new Map<string, { job: Job; values: readonly DeferredValue[] }>();
  let timer: NodeJS.Timeout | undefined;
  let catchingUp: Promise<number> | undefined;

  const arm = () => {
    if (timer || backlog.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void outage.catchUp().finally(arm);
    }, pingEveryMs);
    timer.unref();
  };

  const handOver = async (): Promise<number> => {
    try {
      await store.ping();
    } catch (error) {
      log.debug({ err: error, waiting: backlog.size }, 'the shared store is still unavailable');
      return 0;
    }
    let scheduled = 0;
    for (const [id, entry] of [...backlog]) {
      try {
        for (const { key, value, ttlMs } of entry.values) await store.set(key, value, ttlMs);
        await store.jobs.schedule(entry.job, Math.round(random() * spreadMs));
      } catch (error) {
        if (error instanceof StoreUnavailableError) break; // down again: the rest waits for the next ping
        log.error({ err: error, job: id }, 'could not schedule a re-check remembered during a store outage; it is tried again');
        continue;
      }
      if (backlog.get(id) === entry) backlog.delete(id); // not if remembered again meanwhile
      scheduled++;
    }
    log.info({ scheduled, waiting: backlog.size }, 'the shared store answers again: re-checks remembered during its outage are scheduled');
    return scheduled;
  };

  const outage: StoreOutage = {
    remember(job, values = []) {
      if (!backlog.has(job.id) && backlog.size >= max) {
        log.error(
          { job: job.id, remembered: backlog.size },
          'too many re-checks wait for the shared store: this one is not remembered, its error status stays until its next event',
        );
        return false;
      }
      if (backlog.size === 0) log.warn('the shared store is unavailable: re-checks are remembered in memory until it answers again');
      // A status written by an earlier attempt is still on GitHub: its memo is kept unless replaced.
      const earlier = (backlog.get(job.id)?.values ?? []).filter((e) => !values.some((v) => v.key === e.key));
      backlog.set(job.id, { job, values: [...earlier, ...values] });
      arm();
      return true;
    },
    catchUp() {
      catchingUp ??= handOver().finally(() => (catchingUp = undefined));
      return catchingUp;
    },
    get size() {
      return backlog.size;
    },
  };
  return outage;
}

export interface PullRequestWithoutStore {
  owner: string;
  repo: string;
  sha: string;
  recheck: Job;
}

/**
 * What a pull request gets while the store is unreachable: no lock, no stale guard, no memo, but
 * an answer. Its head gets an `error` status under the policy's context, and its re-check is
 * remembered (also when writing fails), so it is evaluated properly once the store is back. The
 * memo of that status is written then too, so publish-if-changed compares with what GitHub shows.
 * A repository without a policy gets nothing.
 */
export async function answerWithoutStore(
  outage: StoreOutage,
  octokit: Octokit,
  pr: PullRequestWithoutStore,
  telemetry: Pick<Telemetry, 'wroteToGitHub'>,
  log: Logger,
): Promise<void> {
  const { owner, repo, sha, recheck } = pr;
  try {
    const loaded = await loadPolicy(octokit, { owner, repo });
    if (loaded.kind === 'none') return void log.info({ repo: `${owner}/${repo}`, sha }, 'not gated; the shared store is unavailable');
    const status: StatusMemo = {
      context: loaded.kind === 'policy' ? loaded.policy.context : DEFAULT_CONTEXT,
      state: 'error',
      description: STORE_DOWN_DESCRIPTION,
    };
    await commitStatuses(octokit, { owner, repo }).set(sha, status);
    telemetry.wroteToGitHub('status');
    outage.remember(recheck, [{ key: statusMemoKey(`${owner}/${repo}`, sha, status.context), value: JSON.stringify(status), ttlMs: MEMO_TTL_MS }]);
  } catch (error) {
    outage.remember(recheck);
    throw error;
  }
}

import type { Octokit } from '../github/pull-request.js';

/** Below this fraction of an installation's hourly budget, work nobody waits on is put off. */
export const LOW_BUDGET_FRACTION = 0.2;
/** Installations remembered per process; the oldest seen is forgotten first. */
const MAX_INSTALLATIONS = 10_000;

export interface RateBudget {
  remaining: number;
  limit: number;
  /** When GitHub refills the budget, epoch ms; undefined when it did not say. */
  resetAt?: number;
}

/** GitHub's own view of each installation's request budget, read from the `x-ratelimit-*` headers of its answers. */
export interface RateLimitWatcher {
  observe(installationId: number, headers: Record<string, unknown> | undefined): void;
  budget(installationId: number): RateBudget | undefined;
  /** True while the installation has less than LOW_BUDGET_FRACTION of its budget left (until GitHub's reset time). */
  low(installationId: number): boolean;
}

/** Reads the budget from response headers; undefined unless both numbers are there and sane. */
export function readRateBudget(headers: Record<string, unknown> | undefined): RateBudget | undefined {
  if (!headers) return undefined;
  const remaining = count(headers['x-ratelimit-remaining']);
  const limit = count(headers['x-ratelimit-limit']);
  if (remaining === undefined || limit === undefined || limit === 0 || remaining > limit) return undefined;
  const reset = count(headers['x-ratelimit-reset']);
  return { remaining, limit, ...(reset === undefined ? {} : { resetAt: reset * 1000 }) };
}

/** Whether a budget is low right now: below the fraction, and not yet refilled. */
export function isLow(budget: RateBudget | undefined, now: number): boolean {
  if (!budget) return false;
  if (budget.resetAt !== undefined && now >= budget.resetAt) return false;
  return budget.remaining < budget.limit * LOW_BUDGET_FRACTION;
}

export function rateLimitWatcher(report: (installationId: number, budget: RateBudget) => void = () => {}, now: () => number = Date.now): RateLimitWatcher {
  const budgets = new Map<number, RateBudget>();
  return {
    observe(installationId, headers) {
      const budget = readRateBudget(headers);
      if (!budget) return;
      budgets.delete(installationId); // re-inserted last: the map's order is the order of last sight
      budgets.set(installationId, budget);
      if (budgets.size > MAX_INSTALLATIONS) budgets.delete(budgets.keys().next().value!);
      report(installationId, budget);
    },
    budget: (installationId) => budgets.get(installationId),
    low: (installationId) => isLow(budgets.get(installationId), now()),
  };
}

/** Lets the watcher see every answer (and every failed request's answer) of an installation's client. */
export function watchRateLimit<O extends Octokit>(octokit: O, installationId: number, watcher: RateLimitWatcher): O {
  octokit.hook.after('request', (response) => watcher.observe(installationId, response.headers as Record<string, unknown>));
  octokit.hook.error('request', (error) => {
    watcher.observe(installationId, (error as { response?: { headers?: Record<string, unknown> } }).response?.headers);
    throw error;
  });
  return octokit;
}

function count(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value.trim()) ? Number(value) : typeof value === 'number' ? value : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

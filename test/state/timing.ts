/** Small waiting helpers shared by the store tests. */
import { vi } from 'vitest';

/** A first retry after a few ms keeps the retry tests short. */
export const TEST_BACKOFF_MS = 5;

/** Polls often (the default 50 ms would dominate these tests) and patiently (a loaded CI machine). */
export function until<T>(check: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(check, { interval: 5, timeout: 5_000 });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function deferred<T = unknown>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

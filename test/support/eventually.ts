import { vi } from 'vitest';

/**
 * Waits for an assertion to hold, as `vi.waitFor` does, but for up to 10 s instead of its 1 s: the
 * app's work runs on real timers and I/O, and a CI machine shared with other work (or a test suite
 * run alongside a benchmark) can take longer than a second to finish a step. A passing wait ends as
 * soon as the assertion holds, so the bound costs nothing until something is really wrong.
 */
export function eventually<T>(assertion: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(assertion, { timeout: 10_000, interval: 20 });
}

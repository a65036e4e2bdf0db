import nock from 'nock';
import { afterEach, beforeEach, expect } from 'vitest';
import { createMemoryStore } from '../../src/state/memory-store.js';
import type { Store } from '../../src/state/store.js';
import { settleApps } from './probot.js';

/**
 * The life of a test through the real app: no network but nock, a fresh in-memory store, and at
 * the end the store closed, the app's work settled, and a failure for any expected GitHub request
 * the app did not make. Call once at the top of a test file; read the store through `store()`.
 */
export function appHarness(): { store: () => Store } {
  let store: Store | undefined;
  beforeEach(() => {
    nock.disableNetConnect();
    store = createMemoryStore();
  });
  afterEach(async () => {
    await store?.close();
    await settleApps();
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every expected GitHub request was made').toEqual([]);
  });
  return {
    store: () => {
      if (!store) throw new Error('appHarness().store() is only there inside a test');
      return store;
    },
  };
}

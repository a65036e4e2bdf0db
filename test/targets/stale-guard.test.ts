import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { isSuperseded } from '../../src/targets/stale-guard.js';

describe('the stale guard', () => {
  it('lets the first version of a target through and records it', async () => {
    const store = createMemoryStore();
    expect(await isSuperseded(store, 'pr:o/r#2', { sha: 'a', at: '2026-11-22T10:00:00Z' })).toBe(false);
    expect(JSON.parse((await store.get('version:pr:o/r#2'))!)).toEqual({ sha: 'a', at: '2026-11-22T10:00:00Z' });
  });

  it('stops a late event for the same head that is older than one already processed', async () => {
    const store = createMemoryStore();
    await isSuperseded(store, 'pr:o/r#2', { sha: 'a', at: '2026-11-22T10:00:01Z' }); // unlabeled, processed first
    expect(await isSuperseded(store, 'pr:o/r#2', { sha: 'a', at: '2026-11-22T10:00:00Z' })).toBe(true); // the late labeled
  });

  it('never moves the record back in time', async () => {
    const store = createMemoryStore();
    await isSuperseded(store, 'pr:o/r#2', { sha: 'b', at: '2026-11-22T10:05:00Z' });
    await isSuperseded(store, 'pr:o/r#2', { sha: 'a', at: '2026-11-22T10:00:00Z' });
    expect(JSON.parse((await store.get('version:pr:o/r#2'))!)).toEqual({ sha: 'b', at: '2026-11-22T10:05:00Z' });
  });

  it('lets a newer version through and makes it the one to beat', async () => {
    const store = createMemoryStore();
    await isSuperseded(store, 'k', { sha: 'a', at: '2026-11-22T10:00:00Z' });
    expect(await isSuperseded(store, 'k', { sha: 'b', at: '2026-11-22T10:01:00Z' })).toBe(false);
    expect(await isSuperseded(store, 'k', { sha: 'a', at: '2026-11-22T10:00:30Z' })).toBe(true);
  });

  it('treats a version whose time cannot be read as older than anything already seen', async () => {
    const store = createMemoryStore();
    await isSuperseded(store, 'k', { sha: 'a', at: '2026-11-22T10:00:00Z' });
    expect(await isSuperseded(store, 'k', { sha: 'b', at: 'yesterday' })).toBe(true);
  });

  it('does not guard targets without a version (a protection-rule request)', async () => {
    expect(await isSuperseded(createMemoryStore(), 'k', undefined)).toBe(false);
  });
});

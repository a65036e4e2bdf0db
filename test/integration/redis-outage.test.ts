/**
 * What a replica does when its Redis goes away mid-run, against a real redis-server this file
 * starts, stops and restarts on its own port (the suite's shared Redis is never touched). It keeps
 * an append-only file, as a production Redis would, so what survives the restart is visible.
 * GitHub is nock; metrics are fixed tables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StoreUnavailableError } from '../../src/errors.js';
import { createRedisStore, type RedisStoreOptions } from '../../src/state/redis-store.js';
import type { Store } from '../../src/state/store.js';
import { STORE_DOWN_DESCRIPTION } from '../../src/targets/store-outage.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub, HEAD_SHA } from '../support/github-nock.js';
import { policyWith } from '../support/policies.js';
import { createTestProbot, pullRequestPayload } from '../support/probot.js';
import { freePort } from './global-setup.js';

const quiet = { warn: () => {} };
let server: RedisServer | undefined;
let store: Store | undefined;

beforeEach(() => {
  nock.disableNetConnect();
});

afterEach(async () => {
  await store?.close();
  store = undefined;
  await server?.remove();
  server = undefined;
  const pending = nock.pendingMocks();
  nock.cleanAll();
  expect(pending, 'every expected GitHub request was made').toEqual([]);
});

function openStore(options: Partial<RedisStoreOptions> = {}): Store {
  store = createRedisStore({ url: server!.url, prefix: 'slo-gate-outage', log: quiet, backoffMs: 20, ...options });
  return store;
}

/** Resolves with how long `work` took to settle, in ms, and how it settled. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: performance.now() - started, error };
}

describe('a Redis store whose server goes away', () => {
  it('fails every operation within two seconds with StoreUnavailableError, and runs none of them once Redis is back', async () => {
    server = await startRedisServer();
    const s = openStore();
    await s.set('before', 'kept', 60_000);
    await server.stop();

    const compute = vi.fn(async () => '1');
    const work = vi.fn(async () => 'never');
    const operations: Record<string, () => Promise<unknown>> = {
      claimOnce: () => s.claimOnce('during-outage', 60_000),
      release: () => s.release('anything'),
      get: () => s.get('before'),
      set: () => s.set('during-outage', 'lost', 60_000),
      cached: () => s.cached('query', 60_000, compute),
      withLock: () => s.withLock('pr:acme/shop#1', work),
      schedule: () => s.jobs.schedule({ id: 'recheck:acme/shop#1', kind: 'recheck', data: {} }, 0),
      cancel: () => s.jobs.cancel('recheck:acme/shop#1'),
    };
    for (const [name, operation] of Object.entries(operations)) {
      const { ms, error } = await timed(operation);
      expect(error, name).toBeInstanceOf(StoreUnavailableError);
      expect((error as Error).message, name).toMatch(/^slo-gate cannot reach its shared state \(Redis\) to /);
      expect(ms, name).toBeLessThan(2000);
    }
    expect(compute).not.toHaveBeenCalled();
    expect(work).not.toHaveBeenCalled();

    await server.start();
    await vi.waitFor(() => s.ping(), { timeout: 5000, interval: 50 });
    expect(await s.get('before')).toBe('kept');
    // Nothing tried during the outage waited in a queue to run late.
    expect(await s.get('during-outage')).toBeUndefined();
    expect(await s.claimOnce('during-outage', 60_000)).toBe(true);
    expect(await s.jobs.pending()).toBe(0);
  });

  it('fails within the command timeout when Redis stops answering, and never sends that command again', async () => {
    server = await startRedisServer();
    const s = openStore({ commandTimeoutMs: 300 });
    await s.set('before', 'kept', 60_000);
    server.pause();
    const { ms, error } = await timed(() => s.set('late', 'written after it failed', 60_000));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/Command timed out/);
    expect(ms).toBeLessThan(1000);

    await server.kill(); // the hung server dies; a new one starts from its append-only file
    await server.start();
    await vi.waitFor(() => s.ping(), { timeout: 5000, interval: 50 });
    expect(await s.get('before')).toBe('kept');
    expect(await s.get('late')).toBeUndefined();
  });
});

describe('a replica whose Redis goes down mid-run', () => {
  it('answers a pull request with an error status naming Redis, then evaluates it properly once Redis is back, without a new webhook', async () => {
    server = await startRedisServer();
    const policy = policyWith('context: ci/slo');
    const shown = (state: string, description: string) => ({ context: 'ci/slo', state, description });
    const metrics: Record<string, number> = { ...HEALTHY };
    const probot = await createTestProbot(fakeMetrics(metrics), {
      store: openStore(),
      queryCacheTtlMs: 0,
      recheckIntervalMs: 300_000,
      storeOutage: { pingEveryMs: 100, spreadMs: 100 },
    });
    const deliver = (id: string, action: string) =>
      probot.receive({ id, name: 'pull_request', payload: pullRequestPayload(action, (p) => (p.pull_request.labels = [])) } as any);
    const gh = gitHub().token().policy(policy).status().comments();

    await deliver('before-outage', 'opened');
    expect(gh.recorded.statuses).toEqual([expect.objectContaining({ context: 'ci/slo', state: 'success' })]);

    await server.stop();
    Object.assign(metrics, FAST_BURN);
    gh.policy(policy).status();
    const { ms, error } = await timed(() => deliver('during-outage', 'synchronize'));
    expect(error).toBeUndefined();
    expect(ms).toBeLessThan(4000);
    expect(gh.recorded.statuses.at(-1)).toEqual({ context: 'ci/slo', state: 'error', description: STORE_DOWN_DESCRIPTION });
    expect(gh.scope.pendingMocks()).toEqual([]);

    // Back on the same port: the remembered re-check reads the pull request and gates it afresh.
    gh.pull({ sha: HEAD_SHA })
      .policy(policy)
      .shown([shown('error', STORE_DOWN_DESCRIPTION)])
      .status()
      .createComment();
    await server.start();
    await vi.waitFor(() => expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success', 'error', 'failure']), { timeout: 8000, interval: 50 });
    expect(gh.recorded.statuses[2]).toEqual(expect.objectContaining({ context: 'ci/slo', description: expect.stringMatching(/^Blocked: /) }));
    expect(gh.recorded.statusShas).toEqual([HEAD_SHA, HEAD_SHA, HEAD_SHA]);
    await vi.waitFor(() => expect(gh.recorded.created).toHaveLength(1));
    // Still blocked: the next re-check is scheduled as usual.
    await vi.waitFor(async () => expect(await store!.jobs.pending()).toBe(1));
  });
});

interface RedisServer {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL, even while paused. */
  kill(): Promise<void>;
  pause(): void;
  resume(): void;
  remove(): Promise<void>;
}

/** A redis-server of this file's own, restartable on the same port, persisting to an append-only file. */
async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'slo-gate-redis-outage-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    child?.kill(signal);
    await exited;
    child = undefined;
  };
  const start = async () => {
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], {
      stdio: 'ignore',
    });
    child = started;
    exited = new Promise((resolve) => started.once('close', () => resolve()));
    process.once('exit', () => started.kill('SIGKILL'));
    await vi.waitFor(() => ping(port), { timeout: 10_000, interval: 20 });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: () => stop(),
    kill: () => stop('SIGKILL'),
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    async remove() {
      child?.kill('SIGCONT');
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once redis-server answers PING on a plain socket. */
function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500, () => socket.destroy(new Error('timed out')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8').once('data', (reply: string) => {
      socket.destroy();
      if (reply.startsWith('+PONG')) resolve();
      else reject(new Error(`answered ${reply}`));
    });
  });
}

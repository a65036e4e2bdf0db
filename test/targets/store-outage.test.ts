import nock from 'nock';
import { ProbotOctokit, type Logger } from 'probot';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GitHubError, StoreUnavailableError } from '../../src/errors.js';
import type { Job, Store } from '../../src/state/store.js';
import { oncePerDelivery } from '../../src/targets/deliveries.js';
import { answerWithoutStore, STORE_DOWN_DESCRIPTION, storeOutage, type StoreOutage } from '../../src/targets/store-outage.js';
import { gitHub, HEAD_SHA, REPO } from '../support/github-nock.js';
import { policyWith, POLICY } from '../support/policies.js';

const job = (n: number, data: Record<string, unknown> = {}): Job => ({ id: `recheck:acme/shop#${n}`, kind: 'recheck', data: { n, ...data } });

function logger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (obj: unknown, msg?: string) => void lines.push({ level, msg: typeof obj === 'string' ? obj : (msg ?? '') });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } as unknown as Logger };
}

/** A store that is down until `up` is set; records what it was asked to write and schedule, in order. */
function fakeStore() {
  const calls: string[] = [];
  const state = { up: false, failScheduleAfter: Infinity };
  const unavailable = () => new StoreUnavailableError('answer PING', 'not connected (reconnecting)');
  const store: Pick<Store, 'ping' | 'set' | 'jobs'> = {
    async ping() {
      calls.push('ping');
      if (!state.up) throw unavailable();
    },
    async set(key, value) {
      if (!state.up) throw unavailable();
      calls.push(`set ${key}=${value}`);
    },
    jobs: {
      async schedule(scheduled, delayMs) {
        if (!state.up || state.failScheduleAfter-- <= 0) throw unavailable();
        calls.push(`schedule ${scheduled.id} ${JSON.stringify(scheduled.data)} in ${delayMs}`);
      },
      cancel: async () => {},
      pending: async () => 0,
      process: () => {},
    },
  };
  return { store, calls, state };
}

describe('re-checks remembered while the store is down', () => {
  it('schedules every remembered re-check once the store answers again, spread over the catch-up span', async () => {
    const { store, calls, state } = fakeStore();
    const randoms = [0, 0.25, 0.999];
    const outage = storeOutage(store, logger().log, { spreadMs: 1000, random: () => randoms.shift()! });
    for (const n of [1, 2, 3]) outage.remember(job(n));

    expect(await outage.catchUp()).toBe(0);
    expect(outage.size).toBe(3);
    state.up = true;
    expect(await outage.catchUp()).toBe(3);
    expect(outage.size).toBe(0);
    expect(calls.filter((c) => c.startsWith('schedule'))).toEqual([
      'schedule recheck:acme/shop#1 {"n":1} in 0',
      'schedule recheck:acme/shop#2 {"n":2} in 250',
      'schedule recheck:acme/shop#3 {"n":3} in 999',
    ]);
  });

  it('keeps one re-check per pull request, the latest remembered winning, and every status memo it was given', async () => {
    const { store, calls, state } = fakeStore();
    const outage = storeOutage(store, logger().log, { random: () => 0 });
    const memo = (sha: string, value: string) => ({ key: `status:acme/shop@${sha}:slo-gate`, value, ttlMs: 1000 });
    outage.remember(job(1, { attempt: 1 }), [memo('a', 'first')]);
    outage.remember(job(1, { attempt: 2 })); // this attempt's write failed: the first status is still shown
    outage.remember(job(1, { attempt: 3 }), [memo('b', 'third')]);
    expect(outage.size).toBe(1);
    state.up = true;
    await outage.catchUp();
    expect(calls.filter((c) => c !== 'ping')).toEqual([
      'set status:acme/shop@a:slo-gate=first',
      'set status:acme/shop@b:slo-gate=third',
      'schedule recheck:acme/shop#1 {"n":1,"attempt":3} in 0',
    ]);
  });

  it('refuses, with an error in the log, a new pull request beyond its bound, yet still updates one it holds', () => {
    const { store } = fakeStore();
    const { log, lines } = logger();
    const outage = storeOutage(store, log, { max: 2 });
    expect(outage.remember(job(1))).toBe(true);
    expect(outage.remember(job(2))).toBe(true);
    expect(outage.remember(job(3))).toBe(false);
    expect(outage.remember(job(2, { attempt: 1 }))).toBe(true);
    expect(outage.size).toBe(2);
    expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([expect.stringMatching(/too many re-checks wait for the shared store/)]);
  });

  it("writes a status's memo before scheduling its re-check, so the re-check compares with what GitHub shows", async () => {
    const { store, calls, state } = fakeStore();
    const outage = storeOutage(store, logger().log, { random: () => 0 });
    outage.remember(job(1), [{ key: 'status:acme/shop@abc:slo-gate', value: '{"state":"error"}', ttlMs: 1000 }]);
    state.up = true;
    await outage.catchUp();
    expect(calls.filter((c) => c !== 'ping')).toEqual(['set status:acme/shop@abc:slo-gate={"state":"error"}', 'schedule recheck:acme/shop#1 {"n":1} in 0']);
  });

  it('keeps what it could not hand over when the store goes away again mid-way, and hands it over next time', async () => {
    const { store, calls, state } = fakeStore();
    const outage = storeOutage(store, logger().log, { random: () => 0 });
    for (const n of [1, 2, 3]) outage.remember(job(n));
    state.up = true;
    state.failScheduleAfter = 1;
    expect(await outage.catchUp()).toBe(1);
    expect(outage.size).toBe(2);
    state.failScheduleAfter = Infinity;
    expect(await outage.catchUp()).toBe(2);
    expect(calls.filter((c) => c.startsWith('schedule')).map((c) => c.split(' ')[1])).toEqual([
      'recheck:acme/shop#1',
      'recheck:acme/shop#2',
      'recheck:acme/shop#3',
    ]);
  });

  describe('its timer', () => {
    beforeEach(() => void vi.useFakeTimers());
    afterEach(() => void vi.useRealTimers());

    it('pings every interval only while something waits, and stops once all is handed over', async () => {
      const { store, calls, state } = fakeStore();
      const outage: StoreOutage = storeOutage(store, logger().log, { pingEveryMs: 5000, random: () => 0 });
      await vi.advanceTimersByTimeAsync(20_000);
      expect(calls).toEqual([]); // nothing waits: no timer at all
      outage.remember(job(1));
      await vi.advanceTimersByTimeAsync(4999);
      expect(calls).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(calls).toEqual(['ping']);
      state.up = true;
      await vi.advanceTimersByTimeAsync(5000);
      expect(calls).toEqual(['ping', 'ping', 'schedule recheck:acme/shop#1 {"n":1} in 0']);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls).toHaveLength(3);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('a pull request while the store is down', () => {
  const octokit = () => new ProbotOctokit({ auth: { token: 'ghs_test' }, retry: { enabled: false }, throttle: { enabled: false } });
  const recheck = job(2);
  const telemetry = { wroteToGitHub: vi.fn() };

  beforeEach(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending, 'every expected GitHub request was made').toEqual([]);
  });

  it("gets an error status naming Redis under the policy's own context, and its re-check is remembered with that status's memo", async () => {
    const gh = gitHub().policy(policyWith('context: ci/slo')).status();
    const outage = storeOutage(fakeStore().store, logger().log);
    const remember = vi.spyOn(outage, 'remember');
    await answerWithoutStore(outage, octokit(), { owner: 'Codertocat', repo: 'Hello-World', sha: HEAD_SHA, recheck }, telemetry, logger().log);
    const status = { context: 'ci/slo', state: 'error', description: STORE_DOWN_DESCRIPTION };
    expect(gh.recorded.statuses).toEqual([status]);
    expect(STORE_DOWN_DESCRIPTION.length).toBeLessThanOrEqual(140);
    expect(remember).toHaveBeenCalledWith(recheck, [
      { key: `status:Codertocat/Hello-World@${HEAD_SHA}:ci/slo`, value: JSON.stringify(status), ttlMs: 30 * 86_400_000 },
    ]);
    expect(telemetry.wroteToGitHub).toHaveBeenCalledWith('status');
  });

  it('gets nothing when the repository has no policy, and nothing is remembered', async () => {
    const notFound = { message: 'Not Found' };
    nock('https://api.github.com')
      .get(`${REPO}/contents/.github%2Fslo-gate.yml`)
      .reply(404, notFound)
      .get('/repos/Codertocat/.github/contents/.github%2Fslo-gate.yml')
      .reply(404, notFound)
      .get('/repos/Codertocat/.github') // whether the organisation default is truly absent
      .optionally()
      .reply(404, notFound);
    const outage = storeOutage(fakeStore().store, logger().log);
    await answerWithoutStore(outage, octokit(), { owner: 'Codertocat', repo: 'Hello-World', sha: HEAD_SHA, recheck }, telemetry, logger().log);
    expect(outage.size).toBe(0);
  });

  it('keeps its re-check remembered when GitHub fails too, so it is evaluated once both are back', async () => {
    const gh = gitHub().policy(POLICY);
    gh.scope.post(`${REPO}/statuses/${HEAD_SHA}`).reply(502, { message: 'Bad Gateway' });
    const outage = storeOutage(fakeStore().store, logger().log);
    const remember = vi.spyOn(outage, 'remember');
    await expect(
      answerWithoutStore(outage, octokit(), { owner: 'Codertocat', repo: 'Hello-World', sha: HEAD_SHA, recheck }, telemetry, logger().log),
    ).rejects.toThrow(GitHubError);
    expect(remember).toHaveBeenCalledWith(recheck);
    expect(outage.size).toBe(1);
  });
});

describe('a webhook delivery while the store is down', () => {
  /** A store whose reads fail with `error` and whose writes are recorded. */
  function failingStore(error: Error) {
    const writes: string[] = [];
    const fail = async (): Promise<never> => {
      throw error;
    };
    const store = { get: fail, claimOnce: fail, release: fail, set: async (key: string) => void writes.push(key) } as unknown as Store;
    return { store, writes };
  }

  it('is processed anyway, so its pull request still gets an answer, and is not recorded as delivered', async () => {
    const { store, writes } = failingStore(new StoreUnavailableError('read a value', 'not connected (reconnecting)'));
    const { log, lines } = logger();
    const handler = vi.fn(async () => {});
    await oncePerDelivery(store)(handler)({ id: 'delivery-1', log });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(writes).toEqual([]);
    expect(lines).toEqual([{ level: 'warn', msg: expect.stringMatching(/could not claim a delivery: the shared store is unavailable; processing it anyway/) }]);
  });

  it('is not processed when the store fails in any other way', async () => {
    const { store } = failingStore(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    const handler = vi.fn(async () => {});
    await expect(oncePerDelivery(store)(handler)({ id: 'delivery-1', log: logger().log })).rejects.toThrow(/WRONGTYPE/);
    expect(handler).not.toHaveBeenCalled();
  });
});

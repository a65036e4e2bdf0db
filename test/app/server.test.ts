import { createHmac, generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { pino } from 'pino';
import { Probot, ProbotOctokit, Server } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { createTelemetry } from '../../src/telemetry.js';
import { FAST_BURN, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub } from '../support/github-nock.js';
import { POLICY } from '../support/policies.js';
import { pullRequestPayload } from '../support/probot.js';

/** The app served the way `probot run` serves it: a real HTTP server on loopback, real signatures. */
const SECRET = 'webhook-secret';
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const store = createMemoryStore();
let server: Server;
let base: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
  server = new Server({
    log: pino({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    Probot: Probot.defaults({
      appId: 1,
      privateKey,
      secret: SECRET,
      logLevel: 'fatal',
      Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    }),
  });
  const telemetry = createTelemetry(() => store.jobs.pending());
  // Each test reads the policy afresh (policyCacheTtlMs: 0): the second one fails that read on purpose.
  await server.load(createApp({ metrics: fakeMetrics(FAST_BURN), store, telemetry, queryCacheTtlMs: 0, policyCacheTtlMs: 0 }));
  await server.start();
  base = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server.stop();
  await store.close();
  nock.cleanAll();
  nock.enableNetConnect();
});

function deliver(payload: unknown, signature?: string, id = `d-${Math.random()}`) {
  const body = JSON.stringify(payload);
  const sig = signature ?? `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  return fetch(`${base}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': id, 'x-hub-signature-256': sig },
    body,
  });
}

describe('the app as served over HTTP', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).text()).toBe('ready\n');
  });

  it('rejects a forged webhook with a 4xx and does nothing', async () => {
    const response = await deliver(pullRequestPayload('opened'), 'sha256=' + '0'.repeat(64));
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('rejects an unsigned webhook', async () => {
    const response = await fetch(`${base}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-github-delivery': 'u1' },
      body: JSON.stringify(pullRequestPayload('opened')),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('gates a signed webhook and counts it in /metrics', async () => {
    const gh = gitHub().token().policy(POLICY).status().comments().createComment();
    const response = await deliver(pullRequestPayload('synchronize'));
    expect(response.status).toBe(200);
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['failure']);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^slo_gate_decisions_total\{state="failure",target="pull_request"\} 1$/m);
    expect(metrics).toMatch(/^slo_gate_github_writes_total\{kind="status"\} 1$/m);
    expect(metrics).toMatch(/^slo_gate_prometheus_queries_total\{outcome="ok"\} 5$/m);
    // The blocked PR's gate group job and its repository's reconciliation (no re-check of its own).
    expect(metrics).toMatch(/^slo_gate_recheck_queue_length 2$/m);
    expect(metrics).toMatch(/^slo_gate_evaluation_duration_seconds_count 1$/m);
    await store.jobs.cancel('recheck:Codertocat/Hello-World#2');
  });

  it('keeps serving after a handler fails', async () => {
    gitHub()
      .token()
      .scope.get(/contents/)
      .reply(500, { message: 'GitHub is down' });
    gitHub()
      .scope.post(/statuses/)
      .reply(500, { message: 'GitHub is down' });
    const response = await deliver(pullRequestPayload('opened'));
    expect(response.status).toBe(500);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await store.jobs.cancel('recheck:Codertocat/Hello-World#2');
  });
});

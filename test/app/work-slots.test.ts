/**
 * Bounded work in flight (issue 8): a burst of webhooks must not hold a handler, its payload and an
 * Octokit per delivery. With every work slot taken, a pull-request webhook is answered at once and
 * its pull request gated later by a queued re-check; nothing is lost.
 */
import { describe, expect, it } from 'vitest';
import type { MetricsSource } from '../../src/metrics/source.js';
import { createTelemetry } from '../../src/telemetry.js';
import { appHarness } from '../support/app-harness.js';
import { eventually } from '../support/eventually.js';
import { HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { gitHub, HEAD_SHA } from '../support/github-nock.js';
import { POLICY } from '../support/policies.js';
import { createTestProbot, pullRequestPayload } from '../support/probot.js';

const harness = appHarness();
const NEW_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

/** Metrics that answer only once `release()` is called: the evaluation holding the only slot waits there. */
function heldMetrics(inner: MetricsSource) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const metrics: MetricsSource = { queryScalar: async (...args) => (await released, inner.queryScalar(...args)) };
  return { metrics, release };
}

describe('a burst of webhooks with every work slot taken', () => {
  it('answers a pull-request webhook at once and gates the head GitHub shows through a queued re-check once a slot frees', async () => {
    const held = heldMetrics(fakeMetrics(HEALTHY));
    const telemetry = createTelemetry(() => harness.store().jobs.pending());
    const probot = await createTestProbot(held.metrics, {
      store: harness.store(),
      queryCacheTtlMs: 0,
      workInFlight: 1,
      telemetry,
    });
    const gh = gitHub().token().policy(POLICY).status().comments();
    const first = probot.receive({ id: 'slots-1', name: 'pull_request', payload: pullRequestPayload('synchronize') } as any);
    await eventually(async () => expect(await metricValue(telemetry, 'slo_gate_work_in_flight{state="running"}')).toBe(1));

    // A push lands while the only slot is busy: its webhook is answered without waiting for the slot.
    const pushed = pullRequestPayload('synchronize', (p) => {
      p.pull_request.head.sha = NEW_SHA;
      p.pull_request.updated_at = '2026-11-22T10:05:00Z';
    });
    await probot.receive({ id: 'slots-2', name: 'pull_request', payload: pushed } as any);
    expect(gh.recorded.statuses).toEqual([]);
    expect(await metricValue(telemetry, 'slo_gate_webhooks_queued_total')).toBe(1);

    // The slot frees; the queued re-check reads the pull request as GitHub shows it now and gates that head.
    gh.pull({ sha: NEW_SHA, updatedAt: '2026-11-22T10:05:00Z' }).policy(POLICY).shown([], NEW_SHA).status(NEW_SHA);
    held.release();
    await first;
    await eventually(() => expect(gh.recorded.statusShas).toEqual([HEAD_SHA, NEW_SHA]));
    expect(gh.recorded.statuses.map((s) => s.state)).toEqual(['success', 'success']);
    await eventually(async () => expect(await metricValue(telemetry, 'slo_gate_work_in_flight{state="running"}')).toBe(0));
  });
});

async function metricValue(telemetry: ReturnType<typeof createTelemetry>, series: string): Promise<number | undefined> {
  const text = await telemetry.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

import { describe, expect, it } from 'vitest';
import { EvaluationDeadlineError } from '../../src/errors.js';
import { measure } from '../../src/metrics/measure.js';
import { policyWith } from '../support/readings.js';
import { FakeSource } from './fake-source.js';
import { SlowSource } from './slow-source.js';

const events = (name: string) => ({
  name,
  objective: 99.9,
  sli: { events: { errorQuery: `errors_${name}[{{.window}}]`, totalQuery: `total_${name}[{{.window}}]` } },
});
const flush = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('measure: the evaluation deadline', () => {
  it('gives up when the deadline passes, naming it and the queries still outstanding', async () => {
    // One SLO, five windows: five errors queries answer at once, five totals never do.
    const source = new SlowSource();
    const error = await measure(policyWith({ slos: [events('checkout')] }), source, { deadlineMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvaluationDeadlineError);
    expect((error as Error).message).toBe(
      'evaluation did not finish within 50 ms (5 of 10 queries outstanding); the policy may need fewer SLOs/windows or the metrics server is slow',
    );
    expect(error).toMatchObject({ deadlineMs: 50, outstanding: 5, queries: 10 });
  });

  it('never sends the queries still queued when the deadline passes, and abandons those in flight', async () => {
    // Three SLOs: 30 queries, 8 at a time. Every total hangs, so the queue stalls with totals in every slot.
    const source = new SlowSource();
    const policy = policyWith({ slos: [events('a'), events('b'), events('c')] });
    const error = await measure(policy, source, { deadlineMs: 50, concurrency: 8 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ queries: 30 });
    const sentAtDeadline = source.sent.length;
    expect(sentAtDeadline).toBeLessThan(30);
    await flush();
    expect(source.sent).toHaveLength(sentAtDeadline);
    expect(source.abandoned).toHaveLength(8);
    expect((error as EvaluationDeadlineError).outstanding).toBe(30 - source.sent.length + 8);
  });

  it('measures as before when the queries finish in time', async () => {
    const readings = await measure(policyWith({ slos: [events('checkout')] }), new FakeSource((q) => (q.startsWith('errors') ? 1 : 100)), {
      deadlineMs: 5_000,
    });
    expect(readings.get('checkout')?.get('5m')).toEqual({ ok: true, ratio: 0.01, failed: 300 });
  });

  it.each([0, -1, NaN])('refuses a deadline of %s ms, which would end every evaluation before it starts', async (deadlineMs) => {
    await expect(measure(policyWith(), new FakeSource(() => 1), { deadlineMs })).rejects.toThrow(RangeError);
  });

  it('formats a large evaluation the way an operator reads it', () => {
    expect(new EvaluationDeadlineError(60_000, 412, 2000).message).toBe(
      'evaluation did not finish within 60 s (412 of 2,000 queries outstanding); the policy may need fewer SLOs/windows or the metrics server is slow',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { EvaluationDeadlineError } from '../src/errors.js';
import { evaluate } from '../src/evaluate.js';
import { limitedSource } from '../src/metrics/limited-source.js';
import { SlowSource } from './metrics/slow-source.js';
import { policyWith } from './support/readings.js';

describe('evaluate: one evaluation has a deadline', () => {
  it('rejects with EvaluationDeadlineError when the metrics server is too slow, instead of holding the pull request for minutes', async () => {
    const source = new SlowSource(() => false);
    const started = performance.now();
    const error = await evaluate({ policy: policyWith(), metrics: source, deadlineMs: 100 }).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(error).toBeInstanceOf(EvaluationDeadlineError);
    expect((error as Error).message).toMatch(/^evaluation did not finish within 100 ms \(10 of 10 queries outstanding\)/);
  });

  it('sends nothing the process-wide limit still held for it once the deadline passed', async () => {
    const source = new SlowSource(() => false);
    const error = await evaluate({ policy: policyWith(), metrics: limitedSource(source, 2), deadlineMs: 50 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvaluationDeadlineError);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.sent).toHaveLength(2);
  });
});

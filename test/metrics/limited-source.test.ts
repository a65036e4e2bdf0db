import { describe, expect, it } from 'vitest';
import { limitedSource } from '../../src/metrics/limited-source.js';
import { FakeSource } from './fake-source.js';

describe('the process-wide query limit', () => {
  it('keeps at most the limit of queries in flight however many are asked at once, and answers them all', async () => {
    const source = new FakeSource((q) => q.length);
    const limited = limitedSource(source, 3);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => limited.queryScalar(`q${'x'.repeat(i)}`)));
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(source.maxInFlight).toBe(3);
  });
});

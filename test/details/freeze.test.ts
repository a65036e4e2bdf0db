import { describe, expect, it } from 'vitest';
import { collectHistory } from '../../src/details/collect.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { FakeRangeSource } from '../backtest/fake-range-source.js';
import { policyWith } from '../support/policies.js';

/** A freeze from 2 h to 1 h before NOW, on a healthy service. */
const NOW = Date.UTC(2026, 11, 2, 9, 30, 0);
const policy = parsePolicyText(
  policyWith(`freeze:
  - reason: Release train
    from: "2026-12-02T07:30:00Z"
    to: "2026-12-02T08:30:00Z"`),
);

describe('the details page during and after a change freeze', () => {
  it('shades the freeze as a blocked period, and judges now after it as passing', async () => {
    const history = await collectHistory(policy, new FakeRangeSource(() => 0.0005), NOW);
    const span = history.spans[0]!;
    expect(span.timeline.episodes.map((e) => [new Date(e.start * 1000).toISOString(), new Date(e.end * 1000).toISOString(), e.reasons[0]?.kind])).toEqual([
      ['2026-12-02T07:30:00.000Z', '2026-12-02T08:30:00.000Z', 'freeze'],
    ]);
    expect(history.verdict.state).toBe('success');
  });

  it('judges now as blocked while the freeze holds', async () => {
    const history = await collectHistory(policy, new FakeRangeSource(() => 0.0005), Date.UTC(2026, 11, 2, 8, 0, 0));
    expect([history.verdict.state, history.verdict.assessment.reasons[0]?.kind]).toEqual(['failure', 'freeze']);
  });
});

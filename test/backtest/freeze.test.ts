import { describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/backtest.js';
import { renderBacktest } from '../../src/render/backtest.js';
import { policyWith } from '../support/readings.js';
import { FakeRangeSource } from './fake-range-source.js';

const raw = { name: 'checkout', objective: 99.9, sli: { raw: { errorRatioQuery: 'sum(ratio[{{.window}}])' } } };
const policy = policyWith({
  slos: [raw],
  freeze: [{ reason: 'Weekend freeze', cron: '0 17 * * 5', duration: '64h', timezone: 'Europe/Berlin' }],
});
/** Friday 2026-12-04 to Tuesday, every hour, on a healthy service. */
const range = { start: new Date('2026-12-04T00:00:00Z'), end: new Date('2026-12-08T00:00:00Z'), stepSeconds: 3600 };

describe('backtest with a change freeze', () => {
  it('blocks the steps inside the freeze as one episode, whatever the budget', async () => {
    const result = await backtest({ policy, source: new FakeRangeSource(() => 0.0001), range });
    expect(result.episodes.map((e) => [new Date(e.start * 1000).toISOString(), new Date(e.end * 1000).toISOString(), e.state, e.reasons])).toEqual([
      ['2026-12-04T16:00:00.000Z', '2026-12-07T08:00:00.000Z', 'failure', [{ kind: 'freeze', window: 0, reason: 'Weekend freeze' }]],
    ]);
    expect(result.totals.secondsBlocked).toBe(64 * 3600);
  });

  it('names the freeze in the printed episode', async () => {
    const result = await backtest({ policy, source: new FakeRangeSource(() => 0.0001), range });
    const text = renderBacktest({ policyFile: '.github/slo-gate.yml', mode: 'enforce', range, timeline: result });
    expect(text).toContain('2026-12-04 16:00 → 2026-12-07 08:00 UTC  2 d 16 h  blocked: change freeze "Weekend freeze" (freeze[0])');
  });
});

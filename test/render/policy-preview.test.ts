import { describe, expect, it } from 'vitest';
import { renderPolicyPreview } from '../../src/render/policy-preview.js';
import { renderScope } from '../../src/render/scope.js';
import type { BacktestSide, PolicyPreview } from '../../src/targets/policy-preview.js';

const AT = '2026-11-22T10:00:00.000Z';
const ran = (minutes: number, episodes: number, errorMinutes = 0): BacktestSide => ({
  kind: 'ran',
  figures: { secondsBlocked: minutes * 60, episodes, secondsInError: errorMinutes * 60 },
});
const withBacktest = (current: BacktestSide, proposed: BacktestSide): PolicyPreview => ({
  at: AT,
  proposed: { kind: 'valid' },
  notes: [],
  now: { current: { kind: 'judged', state: 'success', slos: [] }, proposed: { kind: 'judged', state: 'success', slos: [] } },
  backtest: { days: 7, current, proposed },
});
const row = (lines: string[], start: string) => lines.find((l) => l.startsWith(start));

describe('the policy preview section', () => {
  it('renders nothing without a preview', () => {
    expect(renderPolicyPreview(undefined)).toEqual([]);
  });

  it.each([
    [
      'a stricter policy blocks longer and more often',
      ran(12, 1),
      ran(95, 3),
      '| blocked | 12 min in 1 episode | 95 min in 3 episodes | +83 min, +2 episodes |',
    ],
    ['a looser policy blocks less', ran(95, 3), ran(0, 0), '| blocked | 95 min in 3 episodes | 0 min in 0 episodes | −95 min, −3 episodes |'],
    ['the same blocking is "the same"', ran(30, 2), ran(30, 2), '| blocked | 30 min in 2 episodes | 30 min in 2 episodes | the same |'],
    ['a failed side has no difference', { kind: 'failed', message: 'x' } as const, ran(30, 2), '| blocked | failed | 30 min in 2 episodes | — |'],
  ])('gives the difference of the backtests: %s', (_story, current, proposed, expected) => {
    expect(row(renderPolicyPreview(withBacktest(current, proposed)), '| blocked |')).toBe(expected);
  });

  it('shows each SLO now under both policies, with a dash where a policy does not have it, and the gate of each', () => {
    const lines = renderPolicyPreview({
      at: AT,
      proposed: { kind: 'valid' },
      notes: ['This file has `_extends`: the preview checks it on its own, without the policy it extends.'],
      now: {
        current: { kind: 'judged', state: 'success', slos: [{ slo: 'checkout', state: 'pass', budgetLeft: 0.5 }] },
        proposed: {
          kind: 'judged',
          state: 'failure',
          slos: [
            { slo: 'checkout', state: 'block', budgetLeft: -4 },
            { slo: 'search', state: 'missing' },
          ],
        },
      },
      backtest: { unavailable: 'this slo-gate has no range queries to its metrics server configured' },
    });
    expect(lines).toContain('> This file has `_extends`: the preview checks it on its own, without the policy it extends.');
    expect(lines).toContain('| checkout | 🟢 passes, 50% of budget left | ⛔ blocks, budget spent |');
    expect(lines).toContain('| search | — | ⚠️ no data |');
    expect(lines).toContain('| **gate** | **success** | **failure** |');
    expect(lines).toContain('No backtest: this slo-gate has no range queries to its metrics server configured.');
  });

  it('says when the preview could not be made at all', () => {
    expect(renderPolicyPreview({ at: AT, notes: [], failed: 'it took longer than 30 s' }).at(-1)).toBe(
      '⚠️ The preview could not be made: it took longer than 30 s. slo-gate tries again on its next look.',
    );
  });
});

describe('the scope section', () => {
  it('keeps a file name from ending its code span', () => {
    const lines = renderScope({ slos: [{ slo: 'a', applies: true, because: 'matched', file: 'x`y\nz.go', glob: '**' }], applicable: ['a'] });
    expect(lines).toContain('- **a** applies: `x?y?z.go` matches `**`.');
  });

  it('renders nothing when no SLO has paths', () => {
    expect(renderScope(undefined)).toEqual([]);
  });
});

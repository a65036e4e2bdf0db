import { describe, expect, it } from 'vitest';
import { formatBurn, formatPercent } from '../../src/render/numbers.js';

describe('numbers for people', () => {
  it('shows a budget spent exactly, give or take float rounding, as 0%, never as -0%', () => {
    // 0.01 errors / 10 requests is exactly the 0.1 % budget: 1 - burn comes out a hair below 0.
    expect(formatPercent(1 - 0.001 / (1 - 0.999), 0)).toBe('0%');
    expect(formatPercent(-2e-10)).toBe('0%');
  });

  it('keeps a real overspend negative, with the digits that tell it from the limit', () => {
    expect(formatPercent(-0.12)).toBe('-12%');
    expect(formatPercent(-0.0004, 0)).toBe('-0.04%');
  });

  it('never rounds a burn onto the limit it is compared with', () => {
    expect(formatBurn(14.41, 14.4)).toBe('14.41×');
    expect(formatBurn(-0.00001)).toBe('0×');
  });
});

import { describe, expect, it } from 'vitest';
import { atOrBelow, below, burnRate, errorBudget, exceeds } from '../../src/gate/math.js';

describe('burnRate', () => {
  it.each([
    { name: 'is 1 when errors use the budget exactly as fast as the objective allows', ratio: 0.001, objective: 99.9, burn: 1 },
    { name: 'is 14.4 for an error ratio of 0.0144 against 99.9%', ratio: 0.0144, objective: 99.9, burn: 14.4 },
    { name: 'is 6 for an error ratio of 0.06 against 99%', ratio: 0.06, objective: 99, burn: 6 },
    { name: 'is 0 when there are no errors', ratio: 0, objective: 99.9, burn: 0 },
    { name: 'is 0 when there is no traffic (NaN)', ratio: NaN, objective: 99.9, burn: 0 },
    { name: 'is 1000 when every request fails against 99.9%', ratio: 1, objective: 99.9, burn: 1000 },
  ])('$name', ({ ratio, objective, burn }) => {
    expect(burnRate(ratio, objective)).toBeCloseTo(burn, 9);
  });

  it('gives the allowed error ratio of an objective in percent', () => {
    expect(errorBudget(99.9)).toBeCloseTo(0.001, 15);
    expect(errorBudget(99)).toBeCloseTo(0.01, 15);
    expect(errorBudget(50)).toBe(0.5);
  });
});

describe('comparisons with a float tolerance', () => {
  it.each([
    {
      name: 'a burn rate of 0.0144 / (1 - 0.999) does not exceed 14.4, though the float is a hair above it',
      value: burnRate(0.0144, 99.9),
      limit: 14.4,
      expected: false,
    },
    { name: '14.4 does not exceed 14.4', value: 14.4, limit: 14.4, expected: false },
    { name: '14.40001 exceeds 14.4', value: 14.40001, limit: 14.4, expected: true },
    { name: '14.39 does not exceed 14.4', value: 14.39, limit: 14.4, expected: false },
    { name: 'a burn rate of 0.006 / 0.001 does not exceed 6', value: burnRate(0.006, 99.9), limit: 6, expected: false },
    { name: '0 does not exceed a factor of 0.5', value: 0, limit: 0.5, expected: false },
  ])('exceeds: $name', ({ value, limit, expected }) => {
    expect(exceeds(value, limit)).toBe(expected);
  });

  it.each([
    {
      name: 'a budget of exactly 0% left is at blockBelow 0, though the float is a hair below it',
      value: (1 - burnRate(0.001, 99.9)) * 100,
      limit: 0,
      expected: true,
    },
    { name: '0 is at or below 0', value: 0, limit: 0, expected: true },
    { name: '0.1% left is above blockBelow 0', value: 0.1, limit: 0, expected: false },
    { name: '-100% left is below blockBelow 0', value: -100, limit: 0, expected: true },
    { name: '10% left computed from floats is at blockBelow 10', value: (1 - burnRate(0.0009, 99.9)) * 100, limit: 10, expected: true },
    { name: '-50 is at blockBelow -50', value: -50, limit: -50, expected: true },
    { name: '-49.9 is above blockBelow -50', value: -49.9, limit: -50, expected: false },
  ])('atOrBelow: $name', ({ value, limit, expected }) => {
    expect(atOrBelow(value, limit)).toBe(expected);
  });

  it.each([
    {
      name: 'a budget of exactly 25% left computed from floats is not below warnBelow 25',
      value: (1 - burnRate(0.00075, 99.9)) * 100,
      limit: 25,
      expected: false,
    },
    { name: '25 is not below 25', value: 25, limit: 25, expected: false },
    { name: '24.9 is below 25', value: 24.9, limit: 25, expected: true },
    { name: '0 is not below warnBelow 0', value: 0, limit: 0, expected: false },
    { name: '-0.001 is below warnBelow 0', value: -0.001, limit: 0, expected: true },
  ])('below: $name', ({ value, limit, expected }) => {
    expect(below(value, limit)).toBe(expected);
  });
});

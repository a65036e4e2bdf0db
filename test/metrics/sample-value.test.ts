import { describe, expect, it } from 'vitest';
import { parseSampleValue } from '../../src/metrics/sample-value.js';

describe('reading a sample value as Prometheus writes it', () => {
  it.each<[string, number]>([
    ['0', 0],
    ['42', 42],
    ['-1', -1],
    ['0.25', 0.25],
    ['.5', 0.5],
    ['5.', 5],
    ['+3', 3],
    ['1e-7', 1e-7],
    ['2.5E+3', 2500],
    ['+Inf', Infinity],
    ['Inf', Infinity],
    ['-Inf', -Infinity],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['NaN', NaN],
  ])('reads %s as %s', (text, value) => {
    expect(parseSampleValue(text)).toBe(value);
  });

  it.each([
    ['an object prototype key', 'constructor'],
    ['another prototype key', '__proto__'],
    ['toString', 'toString'],
    ['the empty string, which Number() reads as 0', ''],
    ['blanks, which Number() reads as 0', '  '],
    ['a number with blanks around it', ' 1 '],
    ['a hexadecimal number', '0x10'],
    ['a binary number', '0b1'],
    ['digits with underscores', '1_000'],
    ['a word', 'abc'],
    ['a signed NaN', '-NaN'],
    ['an exponent without digits', '1e'],
    ['a lone dot', '.'],
    ['a lone sign', '-'],
    ['two numbers', '1 2'],
    ['a very long run of digits', '1'.repeat(65)],
  ])('refuses %s', (_name, text) => {
    expect(parseSampleValue(text)).toBeUndefined();
  });

  it.each([[1], [null], [undefined], [{}]])('refuses a value that is not text (%s)', (value) => {
    expect(parseSampleValue(value)).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { WindowReading } from '../../src/gate/types.js';
import { readEvents, readRatio, type Answer } from '../../src/metrics/window-reading.js';

const got = (value: number): Answer => ({ ok: true, value });

describe('reading an events SLI (errors / total)', () => {
  it.each<{ name: string; errors: number; total: number; reading: WindowReading }>([
    { name: 'divides errors by total', errors: 2, total: 100, reading: { ok: true, ratio: 0.02 } },
    { name: 'reads no errors out of some requests as a ratio of 0', errors: 0, total: 100, reading: { ok: true, ratio: 0 } },
    { name: 'reads 0 errors out of 0 requests as no traffic', errors: 0, total: 0, reading: { ok: true, ratio: NaN } },
    { name: 'reads -0 errors out of -0 requests as no traffic', errors: -0, total: -0, reading: { ok: true, ratio: NaN } },
    { name: 'reads more errors than requests as a ratio above 1', errors: 3, total: 2, reading: { ok: true, ratio: 1.5 } },
    { name: 'reads the largest finite counts as a ratio', errors: Number.MAX_VALUE, total: Number.MAX_VALUE, reading: { ok: true, ratio: 1 } },
  ])('$name', ({ errors, total, reading }) => {
    expect(readEvents(got(errors), got(total))).toEqual(reading);
  });

  it.each<{ name: string; errors: number; total: number; reason: string }>([
    {
      name: 'refuses +Inf errors over +Inf requests, which divide to NaN, instead of calling it no traffic',
      errors: Infinity,
      total: Infinity,
      reason: 'errorQuery returned +Inf, which is not a count of errors',
    },
    {
      name: 'refuses 0 errors over +Inf requests, which divide to 0, instead of passing',
      errors: 0,
      total: Infinity,
      reason: 'totalQuery returned +Inf, which is not a count of requests',
    },
    { name: 'refuses +Inf errors over some requests', errors: Infinity, total: 100, reason: 'errorQuery returned +Inf, which is not a count of errors' },
    { name: 'refuses -Inf requests', errors: 0, total: -Infinity, reason: 'totalQuery returned -Inf, which is not a count of requests' },
    { name: 'refuses -Inf errors', errors: -Infinity, total: 100, reason: 'errorQuery returned -Inf, which is not a count of errors' },
    {
      name: 'refuses a negative total with no errors, which divides to -0, instead of passing',
      errors: 0,
      total: -10,
      reason: 'totalQuery returned -10: a count of requests cannot be negative',
    },
    { name: 'refuses a negative total with errors', errors: 1, total: -10, reason: 'totalQuery returned -10: a count of requests cannot be negative' },
    {
      name: 'refuses a total just below 0',
      errors: 0,
      total: -Number.MIN_VALUE,
      reason: 'totalQuery returned -5e-324: a count of requests cannot be negative',
    },
    { name: 'refuses a negative error count', errors: -1, total: 10, reason: 'errorQuery returned -1: a count of errors cannot be negative' },
    { name: 'refuses a NaN total as a broken query, not as no traffic', errors: 0, total: NaN, reason: 'totalQuery returned NaN' },
    { name: 'refuses NaN errors while the total shows traffic', errors: NaN, total: 100, reason: 'errorQuery returned NaN while totalQuery shows traffic' },
    { name: 'refuses NaN errors over a total of 0 instead of calling it no traffic', errors: NaN, total: 0, reason: 'errorQuery returned NaN' },
    { name: 'refuses NaN over NaN', errors: NaN, total: NaN, reason: 'errorQuery returned NaN' },
    {
      name: 'refuses errors without any requests: the two queries disagree',
      errors: 3,
      total: 0,
      reason: 'errorQuery counts errors while totalQuery counts no requests: do the two queries select the same series?',
    },
    { name: 'refuses a ratio that overflows to +Inf', errors: 1e300, total: 1e-300, reason: 'the error ratio is +Inf, which is not a ratio' },
  ])('$name', ({ errors, total, reason }) => {
    expect(readEvents(got(errors), got(total))).toEqual({ ok: false, reason });
  });

  it('keeps the reason of a failed errorQuery before the totalQuery', () => {
    expect(readEvents({ ok: false, reason: 'errorQuery returned no series' }, got(NaN))).toEqual({ ok: false, reason: 'errorQuery returned no series' });
    expect(readEvents(got(NaN), { ok: false, reason: 'totalQuery returned no series' })).toEqual({ ok: false, reason: 'totalQuery returned no series' });
  });
});

describe('reading a raw SLI (an error ratio)', () => {
  it.each<{ name: string; ratio: number; reading: WindowReading }>([
    { name: 'passes a ratio through', ratio: 0.01, reading: { ok: true, ratio: 0.01 } },
    { name: 'reads a ratio of exactly 0', ratio: 0, reading: { ok: true, ratio: 0 } },
    { name: 'reads -0 as a ratio of 0', ratio: -0, reading: { ok: true, ratio: 0 } },
    { name: 'reads a ratio above 1 (more errors than requests)', ratio: 1.5, reading: { ok: true, ratio: 1.5 } },
    { name: 'reads NaN, a 0/0 ratio, as no traffic', ratio: NaN, reading: { ok: true, ratio: NaN } },
    { name: 'refuses +Inf', ratio: Infinity, reading: { ok: false, reason: 'the error ratio is +Inf, which is not a ratio' } },
    { name: 'refuses -Inf', ratio: -Infinity, reading: { ok: false, reason: 'the error ratio is -Inf, which is not a ratio' } },
    { name: 'refuses a negative ratio', ratio: -0.5, reading: { ok: false, reason: 'the error ratio is -0.5, which is not a ratio' } },
    { name: 'refuses a ratio just below 0', ratio: -Number.MIN_VALUE, reading: { ok: false, reason: 'the error ratio is -5e-324, which is not a ratio' } },
  ])('$name', ({ ratio, reading }) => {
    expect(readRatio(got(ratio))).toEqual(reading);
  });
});

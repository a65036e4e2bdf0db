import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import type { WindowReading } from '../../src/gate/types.js';
import { measure } from '../../src/metrics/measure.js';
import { policyWith, slo } from '../support/readings.js';
import { FakeSource } from './fake-source.js';

const DEFAULT_WINDOWS = ['1h', '5m', '6h', '30m', '30d'];
const SECONDS: Record<string, number> = { '1h': 3600, '5m': 300, '6h': 21_600, '30m': 1800, '30d': 2_592_000 };

function eventsSlo(name: string, errorQuery: string, totalQuery: string) {
  return { name, objective: 99.9, sli: { events: { errorQuery, totalQuery } } };
}

function rawSlo(name: string, errorRatioQuery: string) {
  return { name, objective: 99.9, sli: { raw: { errorRatioQuery } } };
}

/** Answers `errors[...]` and `total[...]` queries with the given values, the same in every window. */
function eventsSource(errors: number | Error, total: number | Error): FakeSource {
  return new FakeSource((query) => (query.startsWith('errors') ? errors : query.startsWith('total') ? total : new Error(`unexpected query ${query}`)));
}

function noSeries(query = 'q'): QueryError {
  return new QueryError('returned no series', query);
}

describe('measure: sending queries', () => {
  it('sends each distinct query once when two SLOs share the same queries', async () => {
    const shared = eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]');
    const policy = policyWith({ slos: [shared, { ...shared, name: 'checkout-copy' }] });
    const source = eventsSource(1, 100);
    const readings = await measure(policy, source);
    expect(source.queries).toHaveLength(2 * DEFAULT_WINDOWS.length);
    expect(new Set(source.queries).size).toBe(source.queries.length);
    expect(readings.get('checkout')).toEqual(readings.get('checkout-copy'));
  });

  it('sends a query once when a raw SLI and an events SLI use the same text', async () => {
    const policy = policyWith({ slos: [eventsSlo('a', 'errors[{{.window}}]', 'total[{{.window}}]'), rawSlo('b', 'errors[{{ .window }}]')] });
    const source = eventsSource(0.5, 100);
    const readings = await measure(policy, source);
    expect(source.queries.filter((q) => q === 'errors[5m]')).toHaveLength(1);
    expect(readings.get('b')?.get('5m')).toEqual({ ok: true, ratio: 0.5 });
  });

  it('sends them again on the next evaluation: dedupe is per evaluation, not a cache', async () => {
    const policy = policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] });
    const source = eventsSource(1, 100);
    await measure(policy, source);
    await measure(policy, source);
    expect(source.queries).toHaveLength(2 * 2 * DEFAULT_WINDOWS.length);
  });

  it.each([
    { name: 'substitutes {{.window}} with each window the rules and the period need', template: 'errors[{{.window}}]' },
    { name: 'substitutes {{ .window }} written with spaces the same way', template: 'errors[{{ .window }}]' },
  ])('$name', async ({ template }) => {
    const source = eventsSource(1, 100);
    await measure(policyWith({ slos: [eventsSlo('checkout', template, 'total[{{.window}}]')] }), source);
    expect(source.queries.filter((q) => q.startsWith('errors')).sort()).toEqual(DEFAULT_WINDOWS.map((w) => `errors[${w}]`).sort());
    expect(source.queries.join()).not.toContain('{{');
  });

  it('reads only the windows of custom rules and the period', async () => {
    const policy = policyWith({
      slos: [{ ...eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]'), period: '7d' }],
      burnRate: { rules: [{ name: 'page', long: '2h', short: '10m', factor: 10 }] },
    });
    const readings = await measure(policy, eventsSource(1, 100));
    expect([...readings.get('checkout')!.keys()]).toEqual(['2h', '10m', '7d']);
  });

  it('evaluates every query at the moment it is given', async () => {
    const at = new Date('2025-11-20T10:00:00Z');
    const source = eventsSource(1, 100);
    await measure(policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] }), source, { at });
    expect(source.times).toEqual(source.queries.map(() => at));
  });

  it('keeps at most `concurrency` queries in flight', async () => {
    const source = new FakeSource(() => 1);
    await measure(policyWith({ slos: [slo('a'), slo('b')] }), source, { concurrency: 2 });
    expect(source.queries).toHaveLength(20);
    expect(source.maxInFlight).toBe(2);
  });
});

describe('measure: error ratios', () => {
  it.each<{ name: string; errors: number; total: number; reading: WindowReading }>([
    { name: 'divides errors by total', errors: 2, total: 100, reading: { ok: true, ratio: 0.02 } },
    { name: 'reads no errors as a ratio of 0', errors: 0, total: 100, reading: { ok: true, ratio: 0 } },
    { name: 'reads a total of 0 as no traffic (NaN)', errors: 0, total: 0, reading: { ok: true, ratio: NaN } },
    { name: 'reads more errors than requests as a ratio above 1', errors: 3, total: 2, reading: { ok: true, ratio: 1.5 } },
  ])('$name, and counts the failed requests in each window: the error rate times its length', async ({ errors, total, reading }) => {
    const readings = await measure(policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] }), eventsSource(errors, total));
    for (const window of DEFAULT_WINDOWS) expect(readings.get('checkout')?.get(window)).toEqual({ ...reading, failed: errors * SECONDS[window]! });
  });

  it.each<{ name: string; errors: number; total: number; reason: string }>([
    {
      name: 'reports an errorQuery that answers NaN while totalQuery has traffic as missing data, not as no traffic',
      errors: NaN,
      total: 100,
      reason: 'errorQuery returned NaN while totalQuery shows traffic',
    },
    { name: 'reports a totalQuery that answers NaN as missing data', errors: 0, total: NaN, reason: 'totalQuery returned NaN' },
    {
      name: 'reports errors without any requests as missing data: the two queries disagree',
      errors: 3,
      total: 0,
      reason: 'errorQuery counts errors while totalQuery counts no requests: do the two queries select the same series?',
    },
  ])('$name', async ({ errors, total, reason }) => {
    const readings = await measure(policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] }), eventsSource(errors, total));
    expect(readings.get('checkout')?.get('5m')).toEqual({ ok: false, reason });
  });

  it.each<{ name: string; errors: number; total: number; reason: RegExp }>([
    { name: 'turns a negative total into missing data', errors: 1, total: -10, reason: /totalQuery returned -10: a count of requests cannot be negative/ },
    { name: 'turns a negative total with no errors into missing data, not a pass', errors: 0, total: -10, reason: /cannot be negative/ },
    { name: 'turns a negative error count into missing data', errors: -1, total: 10, reason: /errorQuery returned -1: a count of errors cannot be negative/ },
    { name: 'turns +Inf errors over +Inf requests into missing data, not no traffic', errors: Infinity, total: Infinity, reason: /errorQuery returned \+Inf/ },
    { name: 'turns no errors over +Inf requests into missing data, not a pass', errors: 0, total: Infinity, reason: /totalQuery returned \+Inf/ },
  ])('$name', async ({ errors, total, reason }) => {
    const readings = await measure(policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] }), eventsSource(errors, total));
    const reading = readings.get('checkout')?.get('5m');
    expect(reading?.ok).toBe(false);
    expect(reading?.ok === false && reading.reason).toMatch(reason);
  });

  it.each<{ name: string; value: number; reading: WindowReading | RegExp }>([
    { name: 'passes a raw ratio through', value: 0.01, reading: { ok: true, ratio: 0.01 } },
    { name: 'reads a raw NaN as no traffic', value: NaN, reading: { ok: true, ratio: NaN } },
    { name: 'turns a raw +Inf into missing data', value: Infinity, reading: /\+Inf, which is not a ratio/ },
    { name: 'turns a negative raw ratio into missing data', value: -0.5, reading: /-0\.5, which is not a ratio/ },
  ])('$name', async ({ value, reading }) => {
    const readings = await measure(policyWith({ slos: [rawSlo('checkout', 'ratio[{{.window}}]')] }), new FakeSource(() => value));
    const got = readings.get('checkout')?.get('1h');
    if (reading instanceof RegExp) expect(got?.ok === false && got.reason).toMatch(reading);
    else expect(got).toEqual(reading);
  });
});

describe('measure: failed queries', () => {
  it.each<{ name: string; errors: number | Error; total: number | Error; reason: string }>([
    {
      name: 'explains an errorQuery with no series and suggests `or vector(0)`',
      errors: noSeries(),
      total: 100,
      reason: 'errorQuery returned no series (if no errors have happened yet, append `or vector(0)` to errorQuery)',
    },
    {
      name: 'names the totalQuery when it returns no series, without the errorQuery hint',
      errors: 1,
      total: noSeries(),
      reason: 'totalQuery returned no series',
    },
    {
      name: 'names the errorQuery when the server rejects it, without the no-series hint',
      errors: new QueryError('rejected the query (bad_data): parse error', 'errors'),
      total: 100,
      reason: 'errorQuery rejected the query (bad_data): parse error',
    },
    {
      name: 'reports the errorQuery first when both queries fail',
      errors: new QueryError('timed out after 10s', 'e'),
      total: new QueryError('timed out after 10s', 't'),
      reason: 'errorQuery timed out after 10s',
    },
  ])('$name', async ({ errors, total, reason }) => {
    const readings = await measure(policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] }), eventsSource(errors, total));
    for (const window of DEFAULT_WINDOWS) expect(readings.get('checkout')?.get(window)).toEqual({ ok: false, reason });
  });

  it('names the errorRatioQuery of a raw SLI that fails', async () => {
    const readings = await measure(policyWith({ slos: [rawSlo('checkout', 'ratio[{{.window}}]')] }), new FakeSource(() => noSeries()));
    expect(readings.get('checkout')?.get('30d')).toEqual({ ok: false, reason: 'errorRatioQuery returned no series' });
  });

  it('fails only the windows whose query failed', async () => {
    const source = new FakeSource((q) =>
      q === 'errors[30d]' ? new QueryError('returned 2 series, not one: aggregate it, e.g. with sum()', q) : q.startsWith('errors') ? 1 : 100,
    );
    const readings = await measure(policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] }), source);
    expect(readings.get('checkout')?.get('30d')).toEqual({ ok: false, reason: 'errorQuery returned 2 series, not one: aggregate it, e.g. with sum()' });
    expect(readings.get('checkout')?.get('1h')).toEqual({ ok: true, ratio: 0.01, failed: 3600 });
  });

  it('gives the same missing reading to every SLO that shares a failed query', async () => {
    const shared = eventsSlo('a', 'errors[{{.window}}]', 'total[{{.window}}]');
    const readings = await measure(policyWith({ slos: [shared, { ...shared, name: 'b' }] }), eventsSource(1, noSeries()));
    expect(readings.get('a')?.get('6h')).toEqual({ ok: false, reason: 'totalQuery returned no series' });
    expect(readings.get('b')?.get('6h')).toEqual({ ok: false, reason: 'totalQuery returned no series' });
  });

  it.each([
    { name: 'lets a TypeError (a bug, not a failed read) propagate', error: new TypeError('cannot read properties of undefined') },
    { name: 'lets a plain Error propagate', error: new Error('socket hang up') },
  ])('$name', async ({ error }) => {
    const policy = policyWith({ slos: [eventsSlo('checkout', 'errors[{{.window}}]', 'total[{{.window}}]')] });
    await expect(measure(policy, eventsSource(1, error))).rejects.toBe(error);
  });
});

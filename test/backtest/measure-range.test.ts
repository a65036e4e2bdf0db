import { describe, expect, it } from 'vitest';
import { measureRange } from '../../src/backtest/measure-range.js';
import { QueryError } from '../../src/errors.js';
import type { Readings, WindowReading } from '../../src/gate/types.js';
import { measure } from '../../src/metrics/measure.js';
import { FakeSource } from '../metrics/fake-source.js';
import { policyWith, slo } from '../support/readings.js';
import { FakeRangeSource } from './fake-range-source.js';

const WINDOWS = ['1h', '5m', '6h', '30m', '30d'];
const T = Date.UTC(2026, 10, 20, 14, 0) / 1000;
/** Four steps, five minutes apart. */
const range = { start: new Date(T * 1000), end: new Date((T + 900) * 1000), stepSeconds: 300 };

const events = (name: string) => ({ name, objective: 99.9, sli: { events: { errorQuery: 'errors[{{.window}}]', totalQuery: 'total[{{.window}}]' } } });
const raw = (name: string) => ({ name, objective: 99.9, sli: { raw: { errorRatioQuery: 'errors[{{ .window }}]' } } });
const policy = policyWith({ slos: [events('checkout')] });

/** Answers `errors[...]` and `total[...]` with a value per step (by index), or throws for the whole range. */
function eventsSource(errors: Array<number | undefined> | Error, total: Array<number | undefined> | Error): FakeRangeSource {
  const at = (values: Array<number | undefined> | Error, time: number) => (values instanceof Error ? values : values[(time - T) / 300]);
  return new FakeRangeSource((query, time) => (query.startsWith('errors') ? at(errors, time) : at(total, time)));
}

async function readingsOf(source: FakeRangeSource, forPolicy = policy): Promise<Array<[number, Readings]>> {
  return [...(await measureRange(forPolicy, source, range))].map(([at, readings]) => [at, readings]);
}

describe('measureRange: sending range queries', () => {
  it('sends one range query per distinct query, however many SLOs share it', async () => {
    const source = eventsSource([1, 1, 1, 1], [100, 100, 100, 100]);
    const steps = await readingsOf(source, policyWith({ slos: [events('checkout'), events('checkout-copy'), raw('ratio')] }));
    expect(source.queries).toHaveLength(2 * WINDOWS.length);
    expect(new Set(source.queries).size).toBe(source.queries.length);
    expect(source.ranges.every((r) => r === range)).toBe(true);
    expect(steps.map(([, r]) => r.get('checkout'))).toEqual(steps.map(([, r]) => r.get('checkout-copy')));
  });

  it('keeps at most `concurrency` range queries in flight', async () => {
    const source = new FakeRangeSource(() => 1);
    await measureRange(policyWith({ slos: [slo('a'), slo('b')] }), source, range, { concurrency: 3 });
    expect(source.queries).toHaveLength(20);
    expect(source.maxInFlight).toBe(3);
  });

  it('yields every step of the range, oldest first, with every window of every SLO', async () => {
    const steps = await readingsOf(eventsSource([1, 2, 3, 4], [100, 100, 100, 100]));
    expect(steps.map(([at]) => at)).toEqual([T, T + 300, T + 600, T + 900]);
    // With the failed requests in the window: errorQuery's rate times the window's 300 s.
    expect(steps.map(([, r]) => r.get('checkout')?.get('5m'))).toEqual(
      [0.01, 0.02, 0.03, 0.04].map((ratio) => ({ ok: true, ratio, failed: ratio * 100 * 300 })),
    );
    expect([...steps[0]![1].get('checkout')!.keys()]).toEqual(WINDOWS);
  });
});

describe('measureRange: the same readings as measure() at each step', () => {
  const values = [0, 1, 3, 100, NaN, Infinity, -1];
  const pairs = values.flatMap((errors) => values.map((total) => [errors, total] as const));

  it.each(pairs)('reads errors %s over total %s as measure() does', async (errors, total) => {
    const [[, fromRange]] = (await readingsOf(eventsSource([errors], [total]))) as [[number, Readings]];
    const instant = await measure(policy, new FakeSource((q) => (q.startsWith('errors') ? errors : total)));
    expect(fromRange).toEqual(instant);
  });

  it.each(values)('reads a raw ratio of %s as measure() does', async (ratio) => {
    const rawPolicy = policyWith({ slos: [raw('checkout')] });
    const [[, fromRange]] = (await readingsOf(new FakeRangeSource(() => ratio), rawPolicy)) as [[number, Readings]];
    expect(fromRange).toEqual(await measure(rawPolicy, new FakeSource(() => ratio)));
  });
});

describe('measureRange: missing data', () => {
  const at = (steps: Array<[number, Readings]>, index: number, window = '5m') => steps[index]![1].get('checkout')?.get(window);

  it('reports a step without an error sample as missing, and suggests `or vector(0)`', async () => {
    const steps = await readingsOf(eventsSource([1, undefined, 1, 1], [100, 100, 100, 100]));
    expect(at(steps, 1)).toEqual({
      ok: false,
      reason: 'errorQuery has no sample at this step (if no errors have happened yet, append `or vector(0)` to errorQuery)',
    });
    expect(at(steps, 2)).toEqual({ ok: true, ratio: 0.01, failed: 300 });
  });

  it('reports a step without a total sample as missing', async () => {
    const steps = await readingsOf(eventsSource([1, 1, 1, 1], [100, 100, 100, undefined]));
    expect(at(steps, 3)).toEqual({ ok: false, reason: 'totalQuery has no sample at this step' });
  });

  it('reports every step of a query that matched no series at all as missing', async () => {
    const steps = await readingsOf(eventsSource([1, 1, 1, 1], []));
    for (const index of [0, 1, 2, 3]) expect(at(steps, index, '30d')).toEqual({ ok: false, reason: 'totalQuery has no sample at this step' });
  });

  it('reports every step of a failed range query as missing, with the reason', async () => {
    const steps = await readingsOf(eventsSource(new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', 'errors'), [100, 100, 100, 100]));
    const expected: WindowReading = { ok: false, reason: 'errorQuery cannot reach http://prometheus:9090 (ECONNREFUSED)' };
    for (const index of [0, 1, 2, 3]) for (const window of WINDOWS) expect(at(steps, index, window)).toEqual(expected);
  });

  it('fails only the windows whose range query failed', async () => {
    const source = new FakeRangeSource((q) =>
      q === 'total[30d]' ? new QueryError('returned 2 series, not one: aggregate it, e.g. with sum()', q) : q.startsWith('errors') ? 1 : 100,
    );
    const steps = await readingsOf(source);
    expect(at(steps, 0, '30d')).toEqual({ ok: false, reason: 'totalQuery returned 2 series, not one: aggregate it, e.g. with sum()' });
    expect(at(steps, 0, '1h')).toEqual({ ok: true, ratio: 0.01, failed: 3600 });
  });

  it('lets an error that is not a failed read (a bug) propagate', async () => {
    const bug = new TypeError('cannot read properties of undefined');
    await expect(measureRange(policy, eventsSource([1], bug), range)).rejects.toBe(bug);
  });
});

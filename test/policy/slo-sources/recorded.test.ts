import { describe, expect, it } from 'vitest';
import { QueryError } from '../../../src/errors.js';
import { evaluate } from '../../../src/evaluate.js';
import { measure } from '../../../src/metrics/measure.js';
import { sliQueries } from '../../../src/metrics/promql.js';
import { renderGuardNotes } from '../../../src/render/guard-notes.js';
import { recordedQuery, recordedSeries, slothWindowName } from '../../../src/policy/slo-sources/recorded.js';
import { FakeSource } from '../../metrics/fake-source.js';
import { fixture, resolved, sources } from './support.js';

const CHECKOUT = recordedSeries('checkout', 'requests-availability', '30d');

describe("Sloth's names for windows", () => {
  it.each([
    ['5m', '5m'],
    ['60m', '1h'],
    ['24h', '1d'],
    ['72h', '3d'],
    ['30d', '30d'],
    ['28d', '4w'],
    ['7d', '1w'],
    ['90d', '90d'],
    ['1h30m', '1h30m'],
  ])('names %s as %s, as Prometheus prints a duration', (window, name) => {
    expect(slothWindowName(window)).toBe(name);
  });
});

describe('which windows read a recorded series', () => {
  it.each([
    { window: '5m', query: 'slo:sli_error:ratio_rate5m{sloth_service="checkout", sloth_slo="requests-availability"}' },
    { window: '60m', query: 'slo:sli_error:ratio_rate1h{sloth_service="checkout", sloth_slo="requests-availability"}' },
    { window: '3d', query: 'slo:sli_error:ratio_rate3d{sloth_service="checkout", sloth_slo="requests-availability"}' },
    { window: '30d', query: 'slo:sli_error:ratio_rate30d{sloth_service="checkout", sloth_slo="requests-availability"}' },
    { window: '1m', query: undefined },
    { window: '15m', query: undefined },
    { window: '28d', query: undefined },
  ])('window $window → $query', ({ window, query }) => {
    expect(recordedQuery(CHECKOUT, window)).toBe(query);
  });

  it('records the period under its own name: a 28-day SLO reads ratio_rate4w', () => {
    expect(recordedQuery(recordedSeries('checkout', 'a', '28d'), '28d')).toBe('slo:sli_error:ratio_rate4w{sloth_service="checkout", sloth_slo="a"}');
  });

  it('escapes label values, so a name cannot end the selector', () => {
    expect(recordedQuery(recordedSeries('a"} or vector(1) #', 'b\\', '30d'), '5m')).toBe(
      'slo:sli_error:ratio_rate5m{sloth_service="a\\"} or vector(1) #", sloth_slo="b\\\\"}',
    );
  });

  it('reads nothing recorded without `recorded: true`', () => {
    expect(recordedQuery(undefined, '5m')).toBeUndefined();
  });
});

describe('measuring an SLO with `sloth.recorded: true`', () => {
  const files = sources({ 'slo/checkout.yml': fixture('sloth/checkout.yml') });

  it("sends Sloth's recorded series for 5m, 1h and the 30d budget, and the raw queries for 1m and 15m (the gating preset)", async () => {
    const policy = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability, recorded: true }', files);
    const source = new FakeSource(() => 0);
    await measure(policy, source);
    const series = (window: string) => `slo:sli_error:ratio_rate${window}{sloth_service="checkout", sloth_slo="requests-availability"}`;
    const raw = (window: string) => [
      `sum(rate(http_requests_total{job="checkout",code=~"(5..|429)"}[${window}]))`,
      `sum(rate(http_requests_total{job="checkout"}[${window}]))`,
    ];
    expect(new Set(source.queries)).toEqual(new Set([series('5m'), series('1h'), series('30d'), ...raw('1m'), ...raw('15m')]));
  });

  it('sends only raw queries when `recorded` is not set', async () => {
    const policy = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability }', files);
    const source = new FakeSource(() => 0);
    await measure(policy, source);
    expect(source.queries.some((query) => query.startsWith('slo:'))).toBe(false);
    expect(source.queries).toContain('sum(rate(http_requests_total{job="checkout"}[30d]))');
  });

  it("says that Sloth's recorded series is missing, not a query the policy never wrote", async () => {
    const policy = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability, recorded: true }', files);
    const readings = await measure(policy, new FakeSource((query) => (query.startsWith('slo:') ? new QueryError('returned no series', query) : 0)));
    expect(readings.get('checkout')?.get('30d')).toEqual({
      ok: false,
      reason:
        "Sloth's recorded series returned no series (sloth.recorded: true reads slo:sli_error:ratio_rate<window>: are Sloth's rules for this SLO loaded, with the policy's period?)",
    });
    expect(readings.get('checkout')?.get('1m')).toMatchObject({ ok: true });
  });

  it('reads a recorded window as the error ratio it is', async () => {
    const policy = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability, recorded: true }', files);
    const readings = await measure(policy, new FakeSource((query) => (query.startsWith('slo:sli_error:ratio_rate5m') ? 0.02 : 0)));
    expect(readings.get('checkout')?.get('5m')).toEqual({ ok: true, ratio: 0.02 });
    expect(sliQueries(policy.slos[0]!, '1m')).toMatchObject({ kind: 'events' });
  });
});

describe('the comment, for an SLO read from recorded series', () => {
  it('says which rules the significance guard cannot hold back, because their long window is recorded and has no counts', async () => {
    const files = sources({ 'slo/checkout.yml': fixture('sloth/checkout.yml') });
    const policy = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability, recorded: true }', files);
    const verdict = await evaluate({ policy, metrics: new FakeSource(() => 0) });
    expect(renderGuardNotes(verdict)).toEqual([
      "> **checkout** reads Sloth's recorded error ratios (`sloth.recorded`) over 5m, 1h, which carry no request counts, so the significance guard cannot hold back `acute`, `slow`: they fire on the ratio alone.",
    ]);
  });

  it('says nothing of the kind without `recorded`', async () => {
    const files = sources({ 'slo/checkout.yml': fixture('sloth/checkout.yml') });
    const policy = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability }', files);
    expect(renderGuardNotes(await evaluate({ policy, metrics: new FakeSource(() => 0) }))).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { renderQuery, sliQueries, windowsOf } from '../../src/metrics/promql.js';
import { DEFAULT_RULES } from '../../src/policy/schema.js';
import { policyWith, slo } from '../support/readings.js';

describe('renderQuery', () => {
  it.each([
    { name: 'replaces {{.window}} with the window', template: 'rate(x[{{.window}}])', window: '5m', query: 'rate(x[5m])' },
    { name: 'replaces {{ .window }} written with spaces', template: 'rate(x[{{ .window }}])', window: '1h', query: 'rate(x[1h])' },
    {
      name: 'replaces every occurrence in one query',
      template: 'sum(rate(e[{{.window}}])) / sum(rate(t[{{ .window }}]))',
      window: '30d',
      query: 'sum(rate(e[30d])) / sum(rate(t[30d]))',
    },
    { name: 'leaves PromQL braces that are not placeholders alone', template: 'rate(x{job="a"}[{{.window}}])', window: '6h', query: 'rate(x{job="a"}[6h])' },
  ])('$name', ({ template, window, query }) => {
    expect(renderQuery(template, window)).toBe(query);
  });

  it.each([
    { name: 'fails on an unknown placeholder instead of leaving it in the query', template: 'rate(x[{{.window}}]) > {{.threshold}}' },
    { name: 'fails on a placeholder it cannot recognise', template: 'rate(x[{{window}}])' },
  ])('$name', ({ template }) => {
    expect(() => renderQuery(template, '5m')).toThrow(/unresolved placeholder/);
  });
});

describe('sliQueries', () => {
  it('renders the error and total queries of an events SLI for a window', () => {
    const [checkout] = policyWith().slos;
    expect(sliQueries(checkout!, '5m')).toEqual({
      kind: 'events',
      error: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m]))',
      total: 'sum(rate(http_requests_total{job="checkout"}[5m]))',
    });
  });

  it('renders the ratio query of a raw SLI for a window', () => {
    const policy = policyWith({ slos: [{ name: 'latency', objective: 99, sli: { raw: { errorRatioQuery: '1 - avg_over_time(ok[{{ .window }}])' } } }] });
    expect(sliQueries(policy.slos[0]!, '30d')).toEqual({ kind: 'raw', ratio: '1 - avg_over_time(ok[30d])' });
  });
});

describe('windowsOf', () => {
  it.each([
    {
      name: 'lists the default rule windows in rule order, each once, then the period',
      rules: DEFAULT_RULES,
      period: '30d',
      windows: ['5m', '1m', '15m', '1h', '30d'],
    },
    {
      name: 'lists a window two rules share once',
      rules: [
        { long: '1h', short: '5m' },
        { long: '1h', short: '10m' },
      ],
      period: '30d',
      windows: ['1h', '5m', '10m', '30d'],
    },
    { name: 'lists the period once when a rule uses it as its long window', rules: [{ long: '7d', short: '1h' }], period: '7d', windows: ['7d', '1h'] },
  ])('$name', ({ rules, period, windows }) => {
    const checkout = policyWith({ slos: [{ ...slo('checkout'), period }] }).slos[0]!;
    expect(windowsOf(checkout, rules)).toEqual(windows);
  });
});

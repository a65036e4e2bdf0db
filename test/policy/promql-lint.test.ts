import { describe, expect, it } from 'vitest';
import { PolicyError, type PolicyProblem } from '../../src/errors.js';
import { composePolicy } from '../../src/policy/compose-policy.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { lintQuery, policyWarnings } from '../../src/policy/promql-lint.js';

type Case = [story: string, query: string, expected: Array<[severity: 'error' | 'warning', column: number, message: string]>];

const CLEAN: Array<[story: string, query: string]> = [
  ['an availability ratio of request counters', 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))'],
  ['the placeholder with spaces, as Go templates allow', 'sum(increase(grpc_server_handled_total{grpc_code!="OK"}[{{ .window }}]))'],
  ['a latency SLI from histogram buckets', 'sum(rate(http_request_duration_seconds_bucket{le="0.3"}[{{.window}}]))'],
  ['a latency SLI from the histogram count', 'sum(rate(http_request_duration_seconds_count[{{.window}}]))'],
  ['a good-over-total ratio turned into an error ratio', '1 - (sum(rate(ok_total[{{.window}}])) / sum(rate(requests_total[{{.window}}])))'],
  ['a zero when nothing failed', 'sum(rate(errors_total[{{.window}}])) or vector(0)'],
  ["Sloth's recording rule, one series per window", 'slo:sli_error:ratio_rate{{.window}}{sloth_service="checkout",sloth_slo="availability"}'],
  ['a quantile folded over its buckets', 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[{{.window}}])))'],
  ['a subquery over a recorded rate', 'sum(avg_over_time(job:errors:rate5m[{{.window}}:1m]))'],
  [
    'a query over several lines, as a YAML block scalar writes it',
    'sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))\n/\nsum(rate(http_requests_total[{{.window}}]))\n',
  ],
];

const FINDINGS: Case[] = [
  [
    'a missing closing parenthesis',
    'sum(rate(http_requests_total[{{.window}}])',
    [['error', 43, 'is not valid PromQL at column 43: the query ends too early']],
  ],
  ['a stray word after the expression', 'sum(rate(x_total[{{.window}}])) by_code', [['error', 33, 'is not valid PromQL at column 33: unexpected "by_code"']]],
  ['an unclosed label matcher, placed in the query as written', 'sum(rate(x_total{job="a"[{{.window}}]))', [['error', 25, 'is not valid PromQL at column 25']]],
  [
    'an error on the second line of a block scalar',
    'sum(rate(x_total[{{.window}}]))\n/ / sum(rate(y_total[{{.window}}]))',
    [['error', 3, 'is not valid PromQL at line 2, column 3: unexpected "/ sum(rate(y_total[5"']],
  ],
  [
    'rate() of an instant vector, which Prometheus refuses',
    'sum(rate(http_requests_total))',
    [['error', 5, 'rate() at column 5 needs a range, such as x[{{.window}}]']],
  ],
  [
    'rate() of a gauge',
    'sum(rate(node_memory_Active_bytes[{{.window}}]))',
    [['warning', 10, 'rate() of node_memory_Active_bytes at column 10: rate() only suits a counter, and counter names end in _total, _count, _sum, _bucket']],
  ],
  [
    'increase() of a name given as __name__',
    'sum(increase({__name__="queue_depth"}[{{.window}}]))',
    [['warning', 14, 'increase() of queue_depth at column 14']],
  ],
  ['irate() of a gauge', 'sum(irate(temperature_celsius[{{.window}}]))', [['warning', 11, 'irate() of temperature_celsius']]],
  [
    'no aggregation at all',
    'rate(http_requests_total[{{.window}}])',
    [['warning', 6, 'may return more than one series (from column 6), and the gate needs exactly one']],
  ],
  [
    'an aggregation that keeps a label',
    'sum by (code) (rate(http_requests_total[{{.window}}]))',
    [['warning', 1, 'may return more than one series (from column 1)']],
  ],
  [
    'an aggregation that drops only some labels',
    'sum without (instance) (rate(http_requests_total[{{.window}}]))',
    [['warning', 1, 'may return more than one series']],
  ],
  [
    'a ratio whose divisor is not aggregated',
    'sum(rate(errors_total[{{.window}}])) / rate(requests_total[{{.window}}])',
    [['warning', 45, 'may return more than one series (from column 45)']],
  ],
  ['a raw selector that is not a recording rule', 'errors_ratio{job="checkout"}', [['warning', 1, 'may return more than one series']]],
  [
    'a quantile that keeps a label besides le',
    'histogram_quantile(0.99, sum by (le, job) (rate(x_bucket[{{.window}}])))',
    [['warning', 26, 'may return more than one series (from column 26)']],
  ],
  ['the window as an offset', 'sum(rate(x_total[5m] offset {{.window}}))', [['warning', 29, 'uses {{.window}} outside a range selector at column 29']]],
  ['the window in a label value', 'sum(rate(x_total{window="{{.window}}"}[5m]))', [['warning', 26, 'uses {{.window}} outside a range selector at column 26']]],
  [
    'several mistakes at once, each reported',
    'rate(queue_depth[{{.window}}] offset {{.window}})',
    [
      ['warning', 6, 'rate() of queue_depth'],
      ['warning', 6, 'may return more than one series'],
      ['warning', 38, 'uses {{.window}} outside a range selector at column 38'],
    ],
  ],
];

describe('PromQL lint with Prometheus’ grammar', () => {
  it.each(CLEAN)('finds nothing wrong with %s', (_story, query) => {
    expect(lintQuery(query)).toEqual([]);
  });

  it.each(FINDINGS)('reports %s, at the column in the query as written', (_story, query, expected) => {
    expect(lintQuery(query)).toEqual(
      expected.map(([severity, column, message]) => expect.objectContaining({ severity, column, message: expect.stringContaining(message) })),
    );
  });

  it('leaves other placeholders and empty queries to the schema’s own problems', () => {
    expect(lintQuery('sum(rate(x_total[{{.range}}]))')).toEqual([]);
    expect(lintQuery('  ')).toEqual([]);
  });
});

function problemsOf(text: string): PolicyProblem[] {
  try {
    parsePolicyText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error('expected the policy to be rejected');
}

const policy = (errorQuery: string, totalQuery = 'sum(rate(http_requests_total[{{.window}}]))') => `slos:
  - name: checkout
    objective: 99.9
    sli:
      events:
        errorQuery: '${errorQuery}'
        totalQuery: '${totalQuery}'
`;

describe('a policy whose PromQL does not parse', () => {
  it('is invalid, with the key path, the line and the column of each broken query', () => {
    expect(problemsOf(policy('sum(rate(http_requests_total{code=~"5.."}[{{.window}}])', 'sum(rate(http_requests_total[{{.window}}])) )'))).toEqual([
      {
        path: 'slos[0].sli.events.errorQuery',
        line: 6,
        message: 'is not valid PromQL at column 56: the query ends too early',
      },
      { path: 'slos[0].sli.events.totalQuery', line: 7, message: 'is not valid PromQL at column 45: unexpected ")"' },
    ]);
  });

  it('is invalid when rate() is given no range', () => {
    expect(problemsOf(policy('sum(rate(http_requests_total{code=~"5.."})) / sum(rate(http_requests_total[{{.window}}]))'))).toEqual([
      { path: 'slos[0].sli.events.errorQuery', line: 6, message: 'rate() at column 5 needs a range, such as x[{{.window}}]' },
    ]);
  });
});

describe("the app's policy load", () => {
  it('reports PromQL that does not parse as a problem of the invalid policy, with its key path', () => {
    const data = { slos: [{ name: 'checkout', objective: 99.9, sli: { raw: { errorRatioQuery: 'max(slo:sli_error:ratio_rate{{.window}}' } } }] };
    expect(composePolicy([{ label: 'acme/shop:.github/slo-gate.yml', own: true, data, locate: () => 4 }])).toEqual({
      kind: 'invalid',
      problems: [{ path: 'slos[0].sli.raw.errorRatioQuery', line: 4, message: 'is not valid PromQL at column 40: the query ends too early' }],
    });
  });
});

describe('the warnings of a valid policy', () => {
  it('name the key path of each query with a common mistake, and leave the policy valid', () => {
    const parsed = parsePolicyText(policy('sum(rate(http_errors[{{.window}}]))', 'rate(http_requests_total[{{.window}}])'));
    expect(policyWarnings(parsed)).toEqual([
      { keys: ['slos', 0, 'sli', 'events', 'errorQuery'], message: expect.stringContaining('rate() of http_errors at column 10') },
      { keys: ['slos', 0, 'sli', 'events', 'totalQuery'], message: expect.stringContaining('may return more than one series (from column 6)') },
    ]);
  });

  it('are none for a policy written the way the README shows', () => {
    const parsed = parsePolicyText(policy('sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))'));
    expect(policyWarnings(parsed)).toEqual([]);
  });

  it('skip an SLO whose SLI is not resolved yet', () => {
    expect(policyWarnings({ slos: [{}] })).toEqual([]);
  });

  it('name the Sloth or OpenSLO file an SLI came from, since the policy file does not hold it', () => {
    const resolved = { sloth: { file: 'slo/checkout.yml' }, sli: { raw: { errorRatioQuery: 'rate(errors_total[{{.window}}])' } } };
    expect(policyWarnings({ slos: [resolved] })).toEqual([
      {
        keys: ['slos', 0, 'sli', 'raw', 'errorRatioQuery'],
        message: expect.stringMatching(/^\(the SLI slo\/checkout\.yml gives\) may return more than one series/),
      },
    ]);
  });
});

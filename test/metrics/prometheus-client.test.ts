import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { createPrometheusClient, createPrometheusRangeClient, MAX_POINTS_PER_REQUEST, redact } from '../../src/metrics/prometheus-client.js';
import { measure } from '../../src/metrics/measure.js';
import { stepTimes, type TimeRange } from '../../src/metrics/range-source.js';
import { policyWith, slo } from '../support/readings.js';

/** A loopback HTTP server that answers whatever the current test wants, and remembers the request. */
let server: Server;
let base: string;
let answer: (req: IncomingMessage, body: string) => { status: number; body: string; delayMs?: number };
let lastRequest: { url: string; headers: IncomingMessage['headers']; body: string } | undefined;
let requests: Array<NonNullable<typeof lastRequest>> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      lastRequest = { url: req.url ?? '', headers: req.headers, body };
      requests.push(lastRequest);
      const { status, body: out, delayMs } = answer(req, body);
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(out), delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const vector = (...values: string[]) =>
  JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000, v] })) } });

async function failure(body: string, status = 200, options = {}): Promise<QueryError> {
  answer = () => ({ status, body });
  const error = await createPrometheusClient({ url: base, ...options })
    .queryScalar('q')
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryError);
  return error as QueryError;
}

describe('the gate reading garbage samples from Prometheus', () => {
  const policy = policyWith({ slos: [slo('checkout')] });
  const answering = (errors: string, total: string) => (_req: IncomingMessage, body: string) => ({
    status: 200,
    body: vector(decodeURIComponent(body).includes('5..') ? errors : total),
  });

  it.each([
    ['errors "constructor" over some requests', 'constructor', '100', /errorQuery returned a sample that is not a number \(constructor\)/],
    ['no errors over a total of "constructor"', '0', 'constructor', /totalQuery returned a sample that is not a number \(constructor\)/],
    ['+Inf errors over +Inf requests', '+Inf', '+Inf', /errorQuery returned \+Inf, which is not a count of errors/],
    ['no errors over +Inf requests', '0', '+Inf', /totalQuery returned \+Inf, which is not a count of requests/],
    ['no errors over a negative total', '0', '-5', /totalQuery returned -5: a count of requests cannot be negative/],
  ])('reports %s as missing data in every window, never as a pass or no traffic', async (_name, errors, total, reason) => {
    answer = answering(errors, total);
    const readings = await measure(policy, createPrometheusClient({ url: base }));
    for (const reading of readings.get('checkout')!.values()) {
      expect(reading.ok).toBe(false);
      expect(!reading.ok && reading.reason).toMatch(reason);
    }
  });
});

describe('the Prometheus client', () => {
  it('POSTs the query form-encoded, with the evaluation time and the operator credentials', async () => {
    answer = () => ({ status: 200, body: vector('0.25') });
    const client = createPrometheusClient({ url: `${base}/prometheus`, bearerToken: 'secret', headers: { 'X-Scope-OrgID': 'team-a' } });
    const value = await client.queryScalar('sum(rate(x[5m]))', new Date('2026-11-22T10:00:00.500Z'));
    expect(value).toBe(0.25);
    expect(lastRequest!.url).toBe('/prometheus/api/v1/query');
    expect(lastRequest!.headers['content-type']).toMatch(/application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(lastRequest!.body))).toEqual({ query: 'sum(rate(x[5m]))', time: '1795341600.500' });
    expect(lastRequest!.headers.authorization).toBe('Bearer secret');
    expect(lastRequest!.headers['x-scope-orgid']).toBe('team-a');
  });

  it.each([
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ])('reads Prometheus %s as an infinity, for the engine to reject as not a ratio', async (text, value) => {
    answer = () => ({ status: 200, body: vector(text) });
    expect(await createPrometheusClient({ url: base }).queryScalar('q')).toBe(value);
  });

  it('reads NaN as a number, for the engine to treat as no traffic', async () => {
    answer = () => ({ status: 200, body: vector('NaN') });
    expect(await createPrometheusClient({ url: base }).queryScalar('q')).toBeNaN();
  });

  it.each([
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>', 502, /answered HTTP 502 with a body that is not JSON \(<html>/],
    ['truncated JSON', '{"status":"success","data":{"resultType":"vec', 200, /not JSON/],
    ['JSON of another API', '{"hello":"world"}', 200, /not a Prometheus API response/],
    [
      'a Prometheus error',
      '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:9: parse error: unclosed left parenthesis"}',
      400,
      /^rejected the query \(bad_data\): 1:9: parse error: unclosed left parenthesis$/,
    ],
    ['a scalar', '{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}', 200, /returned a scalar, not an instant vector/],
    ['a matrix', '{"status":"success","data":{"resultType":"matrix","result":[]}}', 200, /returned a matrix/],
    ['no series', vector(), 200, /^returned no series$/],
    ['two series', vector('1', '2'), 200, /returned 2 series, not one: aggregate it/],
    ['a sample that is not a number', vector('abc'), 200, /not a number/],
    ['a sample named after an object prototype key', vector('constructor'), 200, /not a number \(constructor\)/],
    ['a sample of __proto__', vector('__proto__'), 200, /not a number/],
    ['an empty sample, which Number() reads as 0', vector(''), 200, /not a number/],
    ['a hexadecimal sample', vector('0x1'), 200, /not a number/],
  ])('turns %s into a QueryError that says what was wrong', async (_name, body, status, message) => {
    const error = await failure(body, status);
    expect(error.message).toMatch(message);
  });

  it('gives up after the timeout and says so', async () => {
    answer = () => ({ status: 200, body: vector('1'), delayMs: 500 });
    const error = await createPrometheusClient({ url: base, timeoutMs: 100 })
      .queryScalar('q')
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/did not answer within 100 ms/);
  });

  it('refuses an answer larger than 1 MiB', async () => {
    const error = await failure(vector('1'.repeat(1100 * 1024)));
    expect(error.message).toMatch(/more than 1048576 bytes/);
  });

  it('names an unreachable server without leaking credentials from the URL', async () => {
    const error = await createPrometheusClient({ url: 'http://user:pw@127.0.0.1:9/' })
      .queryScalar('q')
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('cannot reach http://127.0.0.1:9 (ECONNREFUSED)');
    expect(redact('https://a:b@mimir/prom?token=x')).toBe('https://mimir/prom');
  });
});

/** A range answer: `series` series, each with a sample at every step the request asked for. */
function matrixAnswer(body: string, series = 1, value: (at: number) => string = (at) => String(at % 1000)): string {
  const form = Object.fromEntries(new URLSearchParams(body));
  const range = { start: new Date(Number(form.start) * 1000), end: new Date(Number(form.end) * 1000), stepSeconds: Number(form.step) };
  const values = stepTimes(range).map((at) => [at, value(at)]);
  const result = Array.from({ length: series }, (_, i) => ({ metric: { i: String(i) }, values }));
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
}

const rangeOf = (steps: number, stepSeconds = 60, start = Date.UTC(2026, 10, 20) / 1000): TimeRange => ({
  start: new Date(start * 1000),
  end: new Date((start + (steps - 1) * stepSeconds) * 1000),
  stepSeconds,
});

async function rangeFailure(body: string, status = 200): Promise<QueryError> {
  answer = () => ({ status, body });
  const error = await createPrometheusRangeClient({ url: base })
    .queryRange('q', rangeOf(3))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryError);
  return error as QueryError;
}

describe('the Prometheus range client', () => {
  it('POSTs query_range form-encoded with start, end and step, and the operator credentials', async () => {
    answer = (_req, body) => ({ status: 200, body: matrixAnswer(body) });
    const client = createPrometheusRangeClient({ url: `${base}/prometheus`, bearerToken: 'secret', headers: { 'X-Scope-OrgID': 'team-a' } });
    const range = { start: new Date('2026-11-20T14:00:00.500Z'), end: new Date('2026-11-20T14:10:00Z'), stepSeconds: 300 };
    const samples = await client.queryRange('sum(rate(x[5m]))', range);
    expect(lastRequest!.url).toBe('/prometheus/api/v1/query_range');
    expect(lastRequest!.headers['content-type']).toMatch(/application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(new URLSearchParams(lastRequest!.body))).toEqual({
      query: 'sum(rate(x[5m]))',
      start: '1795183200.500',
      end: '1795183500.500',
      step: '300',
    });
    expect(lastRequest!.headers.authorization).toBe('Bearer secret');
    expect(lastRequest!.headers['x-scope-orgid']).toBe('team-a');
    expect([...samples.keys()]).toEqual(stepTimes(range));
  });

  it.each([
    { name: 'asks for a single step in one request', steps: 1, requests: [1] },
    { name: 'asks for exactly 10,000 steps in one request', steps: MAX_POINTS_PER_REQUEST, requests: [10_000] },
    { name: 'splits 10,001 steps into 10,000 and 1', steps: MAX_POINTS_PER_REQUEST + 1, requests: [10_000, 1] },
    { name: 'splits 20,000 steps into two full requests', steps: 2 * MAX_POINTS_PER_REQUEST, requests: [10_000, 10_000] },
    { name: 'splits 25,000 steps of 15s into three requests', steps: 25_000, stepSeconds: 15, requests: [10_000, 10_000, 5000] },
  ])('$name, each under the 11,000 points Prometheus allows', async ({ steps, stepSeconds = 60, requests: expected }) => {
    requests = [];
    answer = (_req, body) => ({ status: 200, body: matrixAnswer(body) });
    const range = rangeOf(steps, stepSeconds);
    const samples = await createPrometheusRangeClient({ url: base }).queryRange('q', range);

    const asked = requests
      .map((r) => Object.fromEntries(new URLSearchParams(r.body)))
      .map((f) => ({ start: Number(f.start), end: Number(f.end), step: Number(f.step) }));
    expect(asked.map((a) => Math.round((a.end - a.start) / a.step) + 1)).toEqual(expected);
    // The pieces follow each other exactly: no step asked twice, none left out.
    asked.slice(1).forEach((a, i) => expect(a.start).toBe(asked[i]!.end + stepSeconds));
    expect(asked[0]!.start).toBe(range.start.getTime() / 1000);
    expect(asked.at(-1)!.end).toBe(range.end.getTime() / 1000);
    expect([...samples.keys()]).toEqual(stepTimes(range));
  });

  it('reads a matrix with no series as no samples at all: every step is missing, not an error', async () => {
    answer = () => ({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }) });
    expect((await createPrometheusRangeClient({ url: base }).queryRange('q', rangeOf(3))).size).toBe(0);
  });

  it('keeps only the steps a series has samples for', async () => {
    const [first, , third] = stepTimes(rangeOf(3));
    const result = [
      {
        metric: {},
        values: [
          [first, '1'],
          [third, '3'],
        ],
      },
    ];
    answer = () => ({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }) });
    const samples = await createPrometheusRangeClient({ url: base }).queryRange('q', rangeOf(3));
    expect([...samples]).toEqual([
      [first, 1],
      [third, 3],
    ]);
  });

  it('reads +Inf, -Inf and NaN samples as numbers, as the instant client does', async () => {
    const texts = ['+Inf', '-Inf', 'NaN'];
    answer = (_req, body) => ({ status: 200, body: matrixAnswer(body, 1, (at) => texts[(at / 60) % 3]!) });
    const samples = await createPrometheusRangeClient({ url: base }).queryRange('q', rangeOf(3));
    expect(new Set(samples.values())).toEqual(new Set([Infinity, -Infinity, NaN]));
  });

  it.each([
    ['two series', (body: string) => matrixAnswer(body, 2), 200, /^returned 2 series, not one: aggregate it, e\.g\. with sum\(\)$/],
    ['an instant vector', () => vector('1'), 200, /^returned a vector, not a range matrix$/],
    ['a matrix without values', () => '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{}}]}}', 200, /^returned a malformed matrix$/],
    ['a sample that is not a number', (body: string) => matrixAnswer(body, 1, () => 'abc'), 200, /not a number \(abc\)/],
    ['a sample named after an object prototype key', (body: string) => matrixAnswer(body, 1, () => 'constructor'), 200, /not a number \(constructor\)/],
    ['an HTML error page', () => '<html>502 Bad Gateway</html>', 502, /answered HTTP 502 with a body that is not JSON/],
    ['JSON of another API', () => '{"hello":"world"}', 200, /not a Prometheus API response/],
    [
      'a Prometheus error',
      () =>
        '{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}',
      400,
      /^rejected the query \(bad_data\): exceeded maximum resolution of 11,000 points/,
    ],
  ])('turns %s into a QueryError that says what was wrong', async (_name, body, status, message) => {
    answer = (_req, request) => ({ status, body: body(request) });
    const error = await createPrometheusRangeClient({ url: base })
      .queryRange('q', rangeOf(3))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses samples between the steps asked for, as a query frontend aligning the range to the step would return', async () => {
    const [first] = stepTimes(rangeOf(3));
    const result = [{ metric: {}, values: [[first! + 30, '1']] }];
    answer = () => ({ status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }) });
    const error = await createPrometheusRangeClient({ url: base })
      .queryRange('q', rangeOf(3))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe(
      `returned a sample at ${new Date((first! + 30) * 1000).toISOString()}, which is not one of the steps asked for: if a query frontend aligns ranges to the step, start the range on a multiple of the step`,
    );
  });

  it('fails the whole query when a later piece of a long range fails', async () => {
    requests = [];
    answer = (_req, body) => (requests.length === 1 ? { status: 200, body: matrixAnswer(body) } : { status: 503, body: 'overloaded' });
    const error = await createPrometheusRangeClient({ url: base })
      .queryRange('q', rangeOf(MAX_POINTS_PER_REQUEST + 5))
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/answered HTTP 503 with a body that is not JSON \(overloaded\)/);
    expect(requests).toHaveLength(2);
  });

  it('refuses an answer larger than 1 MiB', async () => {
    const error = await rangeFailure(vector('1'.repeat(1100 * 1024)));
    expect(error.message).toMatch(/more than 1048576 bytes/);
  });

  it('names an unreachable server without leaking credentials from the URL', async () => {
    const error = await createPrometheusRangeClient({ url: 'http://user:pw@127.0.0.1:9/' })
      .queryRange('q', rangeOf(2))
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('cannot reach http://127.0.0.1:9 (ECONNREFUSED)');
  });
});

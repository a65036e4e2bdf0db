import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { createPrometheusClient, redact } from '../../src/metrics/prometheus-client.js';

/** A loopback HTTP server that answers whatever the current test wants, and remembers the request. */
let server: Server;
let base: string;
let answer: (req: IncomingMessage, body: string) => { status: number; body: string; delayMs?: number };
let lastRequest: { url: string; headers: IncomingMessage['headers']; body: string } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      lastRequest = { url: req.url ?? '', headers: req.headers, body };
      const { status, body: out, delayMs } = answer(req, body);
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(out), delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const vector = (...values: string[]) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1700000000, v] })) } });

async function failure(body: string, status = 200, options = {}): Promise<QueryError> {
  answer = () => ({ status, body });
  const error = await createPrometheusClient({ url: base, ...options }).queryScalar('q').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(QueryError);
  return error as QueryError;
}

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
    ['a Prometheus error', '{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:9: parse error: unclosed left parenthesis"}', 400, /^rejected the query \(bad_data\): 1:9: parse error: unclosed left parenthesis$/],
    ['a scalar', '{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}', 200, /returned a scalar, not an instant vector/],
    ['a matrix', '{"status":"success","data":{"resultType":"matrix","result":[]}}', 200, /returned a matrix/],
    ['no series', vector(), 200, /^returned no series$/],
    ['two series', vector('1', '2'), 200, /returned 2 series, not one: aggregate it/],
    ['a sample that is not a number', vector('abc'), 200, /not a number/],
  ])('turns %s into a QueryError that says what was wrong', async (_name, body, status, message) => {
    const error = await failure(body, status);
    expect(error.message).toMatch(message);
  });

  it('gives up after the timeout and says so', async () => {
    answer = () => ({ status: 200, body: vector('1'), delayMs: 500 });
    const error = await createPrometheusClient({ url: base, timeoutMs: 100 }).queryScalar('q').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/did not answer within 100 ms/);
  });

  it('refuses an answer larger than 1 MiB', async () => {
    const error = await failure(vector('1'.repeat(1100 * 1024)));
    expect(error.message).toMatch(/more than 1048576 bytes/);
  });

  it('names an unreachable server without leaking credentials from the URL', async () => {
    const error = await createPrometheusClient({ url: 'http://user:pw@127.0.0.1:9/' }).queryScalar('q').catch((e: unknown) => e);
    expect((error as Error).message).toBe('cannot reach http://127.0.0.1:9 (ECONNREFUSED)');
    expect(redact('https://a:b@mimir/prom?token=x')).toBe('https://mimir/prom');
  });
});

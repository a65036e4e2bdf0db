import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { createPrometheusClient, createPrometheusRangeClient } from '../../src/metrics/prometheus-client.js';
import { EVALUATION_ENDED } from '../../src/metrics/source.js';

const BYTE_EVERY_MS = 50;
/** A valid answer padded to 400 bytes: 20 s at one byte every 50 ms, far past any deadline below. */
const SLOW_BODY = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } }).padEnd(400, ' ');

/** A loopback server that sends its headers at once, then trickles the body one byte every 50 ms. */
let server: Server;
let base: string;
let requests = 0;
const open = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      open.add(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const timer = setInterval(() => {
        if (sent < SLOW_BODY.length) res.write(SLOW_BODY[sent++]);
        else res.end();
      }, BYTE_EVERY_MS);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(res);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  for (const res of open) res.destroy();
  requests = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function timed<T>(work: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe('the Prometheus deadline', () => {
  it('gives up an instant query whose body trickles in a byte at a time once PROMETHEUS_TIMEOUT_MS has passed, and says so', async () => {
    const { error, ms } = await timed(createPrometheusClient({ url: base, timeoutMs: 300 }).queryScalar('sum(rate(x[5m]))'));
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toBe(`${base} did not answer within 300 ms`);
    expect((error as QueryError).query).toBe('sum(rate(x[5m]))');
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan((SLOW_BODY.length * BYTE_EVERY_MS) / 2); // long before the whole body
  });

  it('gives up a range query whose body trickles in the same way', async () => {
    const range = { start: new Date('2026-11-20T00:00:00Z'), end: new Date('2026-11-20T00:10:00Z'), stepSeconds: 60 };
    const { error, ms } = await timed(createPrometheusRangeClient({ url: base, timeoutMs: 300 }).queryRange('q', range));
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toBe(`${base} did not answer within 300 ms`);
    expect(ms).toBeLessThan((SLOW_BODY.length * BYTE_EVERY_MS) / 2); // long before the whole body
  });

  it('abandons a query in flight as soon as its evaluation runs out of time', async () => {
    const ended = new AbortController();
    setTimeout(() => ended.abort(), 100);
    const { error, ms } = await timed(createPrometheusClient({ url: base, timeoutMs: 10_000 }).queryScalar('q', undefined, ended.signal));
    expect(error).toBeInstanceOf(QueryError);
    expect((error as QueryError).message).toBe(EVALUATION_ENDED);
    expect(ms).toBeLessThan((SLOW_BODY.length * BYTE_EVERY_MS) / 2); // long before the whole body
  });

  it('does not send a query whose evaluation has already run out of time', async () => {
    const ended = new AbortController();
    ended.abort();
    const { error } = await timed(createPrometheusClient({ url: base }).queryScalar('q', undefined, ended.signal));
    expect((error as QueryError).message).toBe(EVALUATION_ENDED);
    expect(requests).toBe(0);
  });
});

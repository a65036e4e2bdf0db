/**
 * A pass-through in front of the test Prometheus that answers instant queries asked for "now" (no
 * `time`) as of a moment the benchmark chooses, and can move that moment: the synthetic data is
 * fixed around T0, so "the incident ends" is the benchmark moving the proxy's moment from inside
 * the incident to after it. Counts the queries it passes on.
 */
import { createServer, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ShiftedQuery {
  /** The PromQL, and performance.now() when it arrived. */
  query: string;
  arrivedAt: number;
}

export interface TimeShiftProxy {
  url: string;
  /** Instant queries passed on so far. */
  queries(): number;
  /** Each instant query passed on so far, in arrival order. */
  log: ShiftedQuery[];
  /** From now on, a query without its own `time` is evaluated at `unixSeconds`. */
  moveTo(unixSeconds: number): void;
  close(): Promise<void>;
}

export async function startTimeShiftProxy(target: string, startAt: number): Promise<TimeShiftProxy> {
  const upstream = new URL(target);
  let at = startAt;
  let queries = 0;
  const log: ShiftedQuery[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      if (req.method === 'POST' && url.pathname === '/api/v1/query') {
        queries++;
        const form = new URLSearchParams(body.toString('utf8'));
        log.push({ query: form.get('query') ?? '', arrivedAt: performance.now() });
        if (!form.has('time')) form.set('time', at.toFixed(3));
        body = Buffer.from(form.toString());
      }
      const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, timeout: 60_000 }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('timeout', () => forward.destroy(new Error('upstream timeout')));
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${error.message}\n`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the time-shift proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    queries: () => queries,
    log,
    moveTo(unixSeconds) {
      at = unixSeconds;
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

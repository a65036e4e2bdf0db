/**
 * A pass-through in front of the test Prometheus that adds a fixed latency (the synthetic server
 * answers in a millisecond or two; a production one over a network takes tens) and records every
 * request: its path, its PromQL (from the form body or the query string), and when it was sent.
 */
import { createServer, request } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface ProxiedQuery {
  path: string;
  query: string | undefined;
  arrivedAt: number;
  /** When the upstream answer was fully passed on (NaN until then). */
  finishedAt: number;
  status: number;
}

export interface PrometheusProxy {
  url: string;
  queries: ProxiedQuery[];
  close(): Promise<void>;
}

export async function startPrometheusProxy(target: string, latencyMs: number): Promise<PrometheusProxy> {
  const upstream = new URL(target);
  const queries: ProxiedQuery[] = [];
  const server = createServer((req, res) => {
    const arrivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://proxy');
      const form = new URLSearchParams(body.toString('utf8'));
      const record: ProxiedQuery = {
        path: url.pathname,
        query: form.get('query') ?? url.searchParams.get('query') ?? undefined,
        arrivedAt,
        finishedAt: Number.NaN,
        status: 0,
      };
      queries.push(record);
      setTimeout(() => {
        const headers = { ...req.headers, host: upstream.host, 'content-length': String(body.length) };
        const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, timeout: 60_000 }, (answer) => {
          record.status = answer.statusCode ?? 0;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('end', () => (record.finishedAt = performance.now()));
          answer.pipe(res);
        });
        forward.on('timeout', () => forward.destroy(new Error('upstream timeout')));
        forward.on('error', (error) => {
          record.status = 502;
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${error.message}\n`);
        });
        forward.end(body);
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the Prometheus proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    queries,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

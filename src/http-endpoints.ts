import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Store } from './state/store.js';

/** `/healthz` (the process serves), `/readyz` (its store answers), `/metrics` (Prometheus text). */
export function operationalEndpoints(store: Store, registry: Registry | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== 'GET') return false;
    const path = (req.url ?? '').split('?')[0];
    switch (path) {
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return true;
      case '/readyz':
        try {
          await store.ping();
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ready\n');
        } catch (error) {
          res.writeHead(503, { 'content-type': 'text/plain' }).end(`not ready: ${(error as Error).message}\n`);
        }
        return true;
      case '/metrics':
        if (!registry) return false;
        res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
        return true;
      default:
        return false;
    }
  };
}

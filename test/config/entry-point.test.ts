import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Probot, type ApplicationFunctionOptions } from 'probot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import sloGate from '../../src/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('starting the app with probot run', () => {
  it.each([
    ['no WEBHOOK_SECRET', ''],
    ['WEBHOOK_SECRET=development', 'development'],
  ])('refuses to start with %s, before it wires anything', async (_name, secret) => {
    vi.stubEnv('PROMETHEUS_URL', 'http://prometheus:9090');
    vi.stubEnv('WEBHOOK_SECRET', secret);
    vi.stubEnv('SLO_GATE_INSECURE_DEV_WEBHOOKS', '');
    // An app that fails the test if the entry point touches it at all.
    const app = new Proxy({} as Probot, {
      get: (_target, property) => {
        throw new Error(`the app was used (${String(property)}) although the secret is missing`);
      },
    });
    await expect(sloGate(app, {} as ApplicationFunctionOptions)).rejects.toThrow(ConfigError);
    await expect(sloGate(app, {} as ApplicationFunctionOptions)).rejects.toThrow(/^WEBHOOK_SECRET: /);
  });
});

describe('the app started by probot run', () => {
  it('serves the process metrics (resident memory, heap) on /metrics next to its own', async () => {
    vi.stubEnv('PROMETHEUS_URL', 'http://prometheus:9090');
    vi.stubEnv('WEBHOOK_SECRET', 'a-real-secret-for-this-test-only-0123456789');
    vi.stubEnv('SLO_GATE_REDIS_URL', '');
    vi.stubEnv('REDIS_URL', '');
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const handlers: Array<(req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>> = [];
    const probot = new Probot({ appId: 1, privateKey, logLevel: 'fatal' });
    // The entry point installs process-wide handlers (SIGTERM, SIGINT, unhandled rejections): not left behind in the test runner.
    const signals: string[] = ['SIGTERM', 'SIGINT', 'unhandledRejection'];
    const before = signals.map((name) => process.listeners(name as 'SIGTERM'));
    let body = '';
    try {
      await probot.load(sloGate, { cwd: process.cwd(), addHandler: (h: never) => void handlers.push(h) } as unknown as ApplicationFunctionOptions);
      const res = { writeHead: () => res, end: (text: string) => void (body = text) } as unknown as ServerResponse;
      for (const handler of handlers) if (await handler({ method: 'GET', url: '/metrics' } as IncomingMessage, res)) break;
    } finally {
      signals.forEach((name, i) => process.listeners(name as 'SIGTERM').forEach((l) => before[i]!.includes(l) || process.removeListener(name, l)));
    }
    expect(body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(body).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect(body).toMatch(/^slo_gate_work_in_flight\{state="running"\} 0$/m);
  });
});

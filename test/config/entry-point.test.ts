import type { ApplicationFunctionOptions, Probot } from 'probot';
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

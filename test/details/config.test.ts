import { describe, expect, it } from 'vitest';
import { loadDetailsConfig } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';
import { detailsKey } from '../../src/details/token.js';

describe('PUBLIC_URL', () => {
  it('turns details links off when unset, whatever else is set', () => {
    expect(loadDetailsConfig({ WEBHOOK_SECRET: 's3cret' })).toBeUndefined();
    expect(loadDetailsConfig({ PUBLIC_URL: '  ' })).toBeUndefined();
  });

  it('turns them on with a key derived from the webhook secret, and drops a trailing slash', () => {
    expect(loadDetailsConfig({ PUBLIC_URL: 'https://gate.example.com/apps/slo-gate/', WEBHOOK_SECRET: 's3cret' })).toEqual({
      publicUrl: 'https://gate.example.com/apps/slo-gate',
      key: detailsKey('s3cret'),
    });
  });

  it.each([
    ['not a URL', { PUBLIC_URL: 'gate.example.com', WEBHOOK_SECRET: 's' }],
    ['not http(s)', { PUBLIC_URL: 'ftp://gate.example.com', WEBHOOK_SECRET: 's' }],
    ['carrying credentials', { PUBLIC_URL: 'https://u:p@gate.example.com', WEBHOOK_SECRET: 's' }],
    ['carrying a query', { PUBLIC_URL: 'https://gate.example.com/?a=1', WEBHOOK_SECRET: 's' }],
    ['without a webhook secret to sign with', { PUBLIC_URL: 'https://gate.example.com' }],
    ["with Probot's public fallback secret", { PUBLIC_URL: 'https://gate.example.com', WEBHOOK_SECRET: 'development' }],
  ])('stops the app, naming PUBLIC_URL, when it is %s', (_name, env) => {
    expect(() => loadDetailsConfig(env)).toThrow(ConfigError);
    expect(() => loadDetailsConfig(env)).toThrow(/PUBLIC_URL/);
  });
});

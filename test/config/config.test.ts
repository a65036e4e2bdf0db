import { describe, expect, it } from 'vitest';
import { loadOperatorConfig, requireWebhookSecret } from '../../src/config.js';
import { ConfigError } from '../../src/errors.js';

describe('operator configuration', () => {
  it('reads the Prometheus URL and defaults the timeout to 5 s', () => {
    expect(loadOperatorConfig({ PROMETHEUS_URL: 'http://prometheus:9090' })).toEqual({
      prometheus: { url: 'http://prometheus:9090', timeoutMs: 5000 },
      redisUrl: undefined,
      recheckIntervalMs: 300_000,
      queryCacheTtlMs: 30_000,
    });
  });

  it('reads the shared-state and timing settings', () => {
    const config = loadOperatorConfig({ PROMETHEUS_URL: 'http://p', REDIS_URL: 'redis://redis:6379/2', RECHECK_INTERVAL: '2m', QUERY_CACHE_TTL: '0' });
    expect(config).toMatchObject({ redisUrl: 'redis://redis:6379/2', recheckIntervalMs: 120_000, queryCacheTtlMs: 0 });
  });

  it("shares slo-gate's state through SLO_GATE_REDIS_URL without handing Redis to Probot's throttling, which reads REDIS_URL", () => {
    expect(loadOperatorConfig({ PROMETHEUS_URL: 'http://p', SLO_GATE_REDIS_URL: 'redis://state:6379' }).redisUrl).toBe('redis://state:6379');
    expect(loadOperatorConfig({ PROMETHEUS_URL: 'http://p', SLO_GATE_REDIS_URL: 'redis://state:6379', REDIS_URL: 'redis://other:6379' }).redisUrl).toBe(
      'redis://state:6379',
    );
    expect(() => loadOperatorConfig({ PROMETHEUS_URL: 'http://p', SLO_GATE_REDIS_URL: 'state:6379' })).toThrow(/SLO_GATE_REDIS_URL: must be a redis:\/\//);
  });

  it('reads every optional credential and header', () => {
    const { prometheus } = loadOperatorConfig({
      PROMETHEUS_URL: 'https://mimir.internal/prometheus',
      PROMETHEUS_BASIC_AUTH: 'gate:pa:ss',
      PROMETHEUS_HEADERS: '{"X-Scope-OrgID":"team-a"}',
      PROMETHEUS_TIMEOUT_MS: '2500',
    });
    expect(prometheus).toEqual({
      url: 'https://mimir.internal/prometheus',
      basicAuth: { username: 'gate', password: 'pa:ss' },
      headers: { 'X-Scope-OrgID': 'team-a' },
      timeoutMs: 2500,
    });
  });

  it.each([
    ['PROMETHEUS_URL', { PROMETHEUS_URL: '' }, /PROMETHEUS_URL: is not set/],
    ['PROMETHEUS_URL', { PROMETHEUS_URL: 'prometheus:9090/x y' }, /PROMETHEUS_URL: must be an http/],
    ['PROMETHEUS_URL', { PROMETHEUS_URL: 'not a url' }, /PROMETHEUS_URL: "not a url" is not a URL/],
    ['PROMETHEUS_URL', { PROMETHEUS_URL: 'http://u:p@prometheus' }, /PROMETHEUS_URL: must not contain credentials/],
    ['PROMETHEUS_HEADERS', { PROMETHEUS_URL: 'http://p', PROMETHEUS_HEADERS: '{X-Scope-OrgID: team-a}' }, /PROMETHEUS_HEADERS: is not valid JSON/],
    ['PROMETHEUS_HEADERS', { PROMETHEUS_URL: 'http://p', PROMETHEUS_HEADERS: '["a"]' }, /PROMETHEUS_HEADERS: must be a JSON object/],
    ['PROMETHEUS_HEADERS', { PROMETHEUS_URL: 'http://p', PROMETHEUS_HEADERS: '{"X":1}' }, /PROMETHEUS_HEADERS: must be a JSON object/],
    ['PROMETHEUS_BASIC_AUTH', { PROMETHEUS_URL: 'http://p', PROMETHEUS_BASIC_AUTH: 'nopassword' }, /PROMETHEUS_BASIC_AUTH: must be user:password/],
    ['PROMETHEUS_BASIC_AUTH', { PROMETHEUS_URL: 'http://p', PROMETHEUS_BASIC_AUTH: 'a:b', PROMETHEUS_BEARER_TOKEN: 't' }, /cannot be combined/],
    ['PROMETHEUS_TIMEOUT_MS', { PROMETHEUS_URL: 'http://p', PROMETHEUS_TIMEOUT_MS: '5s' }, /PROMETHEUS_TIMEOUT_MS: must be a whole number/],
    ['REDIS_URL', { PROMETHEUS_URL: 'http://p', REDIS_URL: 'localhost:6379' }, /REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/],
    ['RECHECK_INTERVAL', { PROMETHEUS_URL: 'http://p', RECHECK_INTERVAL: '5 minutes' }, /RECHECK_INTERVAL: must be a duration from 30s to 1d/],
    ['RECHECK_INTERVAL', { PROMETHEUS_URL: 'http://p', RECHECK_INTERVAL: '1s' }, /RECHECK_INTERVAL: must be a duration/],
    ['QUERY_CACHE_TTL', { PROMETHEUS_URL: 'http://p', QUERY_CACHE_TTL: '2h' }, /QUERY_CACHE_TTL: must be a duration from 0s to 1h/],
  ])('refuses to start with a bad %s, naming the variable (%j)', (_name, env, message) => {
    expect(() => loadOperatorConfig(env)).toThrow(message);
  });
});

describe('the webhook secret the app verifies signatures with', () => {
  it('accepts a real secret', () => {
    expect(requireWebhookSecret({ WEBHOOK_SECRET: 'c0ffee5ecret' })).toEqual({ insecureDevWebhooks: false });
  });

  it.each([
    ['unset', {}, /WEBHOOK_SECRET: is not set, so anyone could forge webhooks/],
    ['empty, as .env.example ships it', { WEBHOOK_SECRET: '' }, /WEBHOOK_SECRET: is not set/],
    ['only spaces', { WEBHOOK_SECRET: '   ' }, /WEBHOOK_SECRET: is not set/],
    ["Probot's public fallback", { WEBHOOK_SECRET: 'development' }, /WEBHOOK_SECRET: is "development", Probot's public fallback/],
  ])('refuses to start when the secret is %s, naming the variable', (_name, env, message) => {
    expect(() => requireWebhookSecret(env)).toThrow(message);
    expect(() => requireWebhookSecret(env)).toThrow(ConfigError);
  });

  it('lets a developer run without a secret only with SLO_GATE_INSECURE_DEV_WEBHOOKS=1, and says so', () => {
    expect(requireWebhookSecret({ SLO_GATE_INSECURE_DEV_WEBHOOKS: '1' })).toEqual({ insecureDevWebhooks: true });
    expect(requireWebhookSecret({ SLO_GATE_INSECURE_DEV_WEBHOOKS: '1', WEBHOOK_SECRET: 'development' })).toEqual({ insecureDevWebhooks: true });
  });

  it('does not flag a run with a real secret as insecure even if the escape hatch is set', () => {
    expect(requireWebhookSecret({ SLO_GATE_INSECURE_DEV_WEBHOOKS: '1', WEBHOOK_SECRET: 's3cret' })).toEqual({ insecureDevWebhooks: false });
  });

  it.each([
    ['a value other than 1', { SLO_GATE_INSECURE_DEV_WEBHOOKS: 'true' }, /SLO_GATE_INSECURE_DEV_WEBHOOKS: must be 1 or unset, not "true"/],
    ['NODE_ENV=production', { SLO_GATE_INSECURE_DEV_WEBHOOKS: '1', NODE_ENV: 'production' }, /SLO_GATE_INSECURE_DEV_WEBHOOKS: is for local development only/],
  ])('refuses the escape hatch with %s', (_name, env, message) => {
    expect(() => requireWebhookSecret(env)).toThrow(message);
  });

  it('is not asked of the CLI: the operator configuration alone needs no webhook secret', () => {
    expect(() => loadOperatorConfig({ PROMETHEUS_URL: 'http://p' })).not.toThrow();
  });
});

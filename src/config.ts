import { z } from 'zod';
import { detailsKey } from './details/token.js';
import { ConfigError } from './errors.js';
import type { PrometheusOptions } from './metrics/prometheus-client.js';
import { formatDuration, parseDuration } from './policy/duration.js';

export interface OperatorConfig {
  prometheus: PrometheusOptions;
  /** Shared state for several replicas; in memory when unset. */
  redisUrl: string | undefined;
  /** How often a pull request that did not pass is evaluated again. */
  recheckIntervalMs: number;
  /** How long a Prometheus answer is reused by other evaluations. */
  queryCacheTtlMs: number;
}

/** Set to exactly `1` to run the app without a webhook secret: on a developer's machine only, and loudly. */
export const INSECURE_DEV_WEBHOOKS = 'SLO_GATE_INSECURE_DEV_WEBHOOKS';

/** The secret Probot falls back to when none is given: public, so it verifies nothing. */
const PROBOT_FALLBACK_SECRET = 'development';

const headersSchema = z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/), z.string());

/**
 * Reads the operator's environment. Only the operator decides where queries go and with which
 * credentials: a repository's policy can never name a URL. Throws ConfigError naming the variable.
 */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const url = env.PROMETHEUS_URL?.trim();
  if (!url)
    throw new ConfigError(
      'PROMETHEUS_URL',
      'is not set; set it to the base URL of Prometheus (or Thanos, Mimir, VictoriaMetrics), e.g. http://prometheus:9090',
    );
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigError('PROMETHEUS_URL', `"${url}" is not a URL; expected e.g. http://prometheus:9090`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('PROMETHEUS_URL', `must be an http:// or https:// URL, not ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) {
    throw new ConfigError('PROMETHEUS_URL', 'must not contain credentials; use PROMETHEUS_BASIC_AUTH or PROMETHEUS_BEARER_TOKEN');
  }

  const prometheus: PrometheusOptions = { url, timeoutMs: timeout(env.PROMETHEUS_TIMEOUT_MS) };
  const token = env.PROMETHEUS_BEARER_TOKEN?.trim();
  const basic = env.PROMETHEUS_BASIC_AUTH;
  if (token && basic) throw new ConfigError('PROMETHEUS_BASIC_AUTH', 'cannot be combined with PROMETHEUS_BEARER_TOKEN; set only one');
  if (token) prometheus.bearerToken = token;
  if (basic) {
    const colon = basic.indexOf(':');
    if (colon <= 0) throw new ConfigError('PROMETHEUS_BASIC_AUTH', 'must be user:password');
    prometheus.basicAuth = { username: basic.slice(0, colon), password: basic.slice(colon + 1) };
  }
  if (env.PROMETHEUS_HEADERS?.trim()) prometheus.headers = headers(env.PROMETHEUS_HEADERS);
  return {
    prometheus,
    redisUrl: env.SLO_GATE_REDIS_URL?.trim() ? redisUrl('SLO_GATE_REDIS_URL', env.SLO_GATE_REDIS_URL) : redisUrl('REDIS_URL', env.REDIS_URL),
    recheckIntervalMs: duration('RECHECK_INTERVAL', env.RECHECK_INTERVAL, '5m', { min: 30_000, max: 86_400_000 }),
    queryCacheTtlMs: duration('QUERY_CACHE_TTL', env.QUERY_CACHE_TTL, '30s', { min: 0, max: 3_600_000 }),
  };
}

/**
 * slo-gate's shared store: SLO_GATE_REDIS_URL, else REDIS_URL. Probot reads REDIS_URL too, for its
 * request throttling (Bottleneck), which fails on Redis 7 (ERR SETTINGS_KEY_NOT_FOUND); with only
 * SLO_GATE_REDIS_URL set, replicas share slo-gate's state and each throttles its own requests.
 */
function redisUrl(variable: string, text: string | undefined): string | undefined {
  const url = text?.trim();
  if (!url) return undefined;
  if (!/^rediss?:\/\/./.test(url)) throw new ConfigError(variable, 'must be a redis:// or rediss:// URL, e.g. redis://redis:6379');
  return url;
}

function duration(variable: string, text: string | undefined, fallback: string, range: { min: number; max: number }): number {
  const value = text?.trim() || fallback;
  const ms = value === '0' ? 0 : parseDuration(value);
  if (ms === undefined || ms < range.min || ms > range.max) {
    throw new ConfigError(variable, `must be a duration from ${formatDuration(range.min)} to ${formatDuration(range.max)} such as ${fallback}, not "${value}"`);
  }
  return ms;
}

function timeout(text: string | undefined): number {
  if (text === undefined || text.trim() === '') return 5000;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 100 || ms > 120_000) {
    throw new ConfigError('PROMETHEUS_TIMEOUT_MS', `must be a whole number of milliseconds from 100 to 120000, not "${text}"`);
  }
  return ms;
}

function headers(text: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError('PROMETHEUS_HEADERS', 'is not valid JSON; expected an object such as {"X-Scope-OrgID":"team-a"}', { cause: error });
  }
  const parsed = headersSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError('PROMETHEUS_HEADERS', 'must be a JSON object of header names to string values, such as {"X-Scope-OrgID":"team-a"}');
  }
  return parsed.data;
}

/**
 * The app (not the CLI, which serves no webhooks) must verify webhook signatures with a real secret.
 * Without one Probot falls back to the public secret "development", and anyone who can reach the
 * server could sign a `labeled` event naming an admin as sender and get a bypass. Throws ConfigError
 * naming the variable. `SLO_GATE_INSECURE_DEV_WEBHOOKS=1` lets a developer run without one; the
 * caller must then log a loud warning.
 */
export function requireWebhookSecret(env: NodeJS.ProcessEnv): { insecureDevWebhooks: boolean } {
  const optOut = env[INSECURE_DEV_WEBHOOKS];
  if (optOut !== undefined && optOut !== '' && optOut !== '1') {
    throw new ConfigError(INSECURE_DEV_WEBHOOKS, `must be 1 or unset, not "${optOut}"`);
  }
  if (optOut === '1' && env.NODE_ENV === 'production') {
    throw new ConfigError(INSECURE_DEV_WEBHOOKS, 'is for local development only and cannot be combined with NODE_ENV=production; set WEBHOOK_SECRET');
  }
  const secret = env.WEBHOOK_SECRET?.trim() ?? '';
  if (secret !== '' && secret !== PROBOT_FALLBACK_SECRET) return { insecureDevWebhooks: false };
  if (optOut === '1') return { insecureDevWebhooks: true };
  const fix = "set it to the App's webhook secret (the same value as in the App's settings; make one with `openssl rand -hex 32`)";
  throw new ConfigError(
    'WEBHOOK_SECRET',
    secret === ''
      ? `is not set, so anyone could forge webhooks; ${fix}`
      : `is "${PROBOT_FALLBACK_SECRET}", Probot's public fallback, so anyone could forge webhooks; ${fix}`,
  );
}

/** Details links (issue 9): where the app is reached from outside, and the key that signs the links. */
export interface DetailsConfig {
  publicUrl: string;
  key: Buffer;
}

/**
 * `PUBLIC_URL`: the app's base URL as people reach it (e.g. https://slo-gate.example.com). Unset:
 * no details links, nothing else changes. The links are signed with a key derived from
 * WEBHOOK_SECRET (HKDF, details/token.ts), so there is no second secret; without a real webhook
 * secret anyone could sign a link, so PUBLIC_URL then stops the app. Throws ConfigError naming the variable.
 */
export function loadDetailsConfig(env: NodeJS.ProcessEnv): DetailsConfig | undefined {
  const text = env.PUBLIC_URL?.trim();
  if (!text) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new ConfigError('PUBLIC_URL', `"${text}" is not a URL; expected e.g. https://slo-gate.example.com`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigError('PUBLIC_URL', `must be an https:// (or http://) URL, not ${url.protocol}`);
  if (url.username || url.password || url.search || url.hash)
    throw new ConfigError('PUBLIC_URL', 'must be a plain base URL: no credentials, query or fragment');
  const secret = env.WEBHOOK_SECRET?.trim() ?? '';
  if (secret === '' || secret === PROBOT_FALLBACK_SECRET) {
    throw new ConfigError(
      'PUBLIC_URL',
      'needs a real WEBHOOK_SECRET: details links are signed with a key derived from it; unset PUBLIC_URL or set WEBHOOK_SECRET',
    );
  }
  return { publicUrl: url.href.replace(/\/+$/, ''), key: detailsKey(secret) };
}

import { z } from 'zod';
import { ConfigError } from './errors.js';
import type { PrometheusOptions } from './metrics/prometheus-client.js';

export interface OperatorConfig {
  prometheus: PrometheusOptions;
}

const headersSchema = z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/), z.string());

/**
 * Reads the operator's environment. Only the operator decides where queries go and with which
 * credentials: a repository's policy can never name a URL. Throws ConfigError naming the variable.
 */
export function loadOperatorConfig(env: NodeJS.ProcessEnv): OperatorConfig {
  const url = env.PROMETHEUS_URL?.trim();
  if (!url) throw new ConfigError('PROMETHEUS_URL', 'is not set; set it to the base URL of Prometheus (or Thanos, Mimir, VictoriaMetrics), e.g. http://prometheus:9090');
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
  return { prometheus };
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

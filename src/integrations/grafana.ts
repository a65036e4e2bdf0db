import axios from 'axios';
import { ConfigError } from '../errors.js';

/**
 * Deployment markers in Grafana: one annotation per deployment that reported success or failure,
 * and one per regression found. Optional, and never in the way: a failing Grafana is reported to
 * the caller as a result to log and count, never thrown, and every request has a hard deadline.
 */

export interface GrafanaConfig {
  /** Base URL of Grafana, with any sub-path (`https://grafana.example.com/grafana`). */
  url: string;
  /** A service-account token, sent as `Authorization: Bearer …`. */
  token: string;
  /** The whole request, from connecting to the last byte. */
  timeoutMs: number;
}

export interface Annotation {
  time: Date;
  tags: string[];
  text: string;
}

export type AnnotationResult = { ok: true; id: number | undefined } | { ok: false; problem: string };

export interface Grafana {
  annotate(annotation: Annotation): Promise<AnnotationResult>;
}

export const GRAFANA_TIMEOUT_MS = 5000;
const MAX_TEXT = 4000;
const MAX_TAG = 100;

/**
 * Reads GRAFANA_URL and GRAFANA_TOKEN: both or neither (undefined: no markers). Throws ConfigError
 * naming the variable, so the app refuses to start half-configured.
 */
export function loadGrafanaConfig(env: NodeJS.ProcessEnv): GrafanaConfig | undefined {
  const url = env.GRAFANA_URL?.trim();
  const token = env.GRAFANA_TOKEN?.trim();
  if (!url && !token) return undefined;
  if (!url) throw new ConfigError('GRAFANA_URL', 'is not set, but GRAFANA_TOKEN is; set both to post deployment annotations, or neither');
  if (!token) throw new ConfigError('GRAFANA_TOKEN', 'is not set, but GRAFANA_URL is; set it to a Grafana service-account token, or unset GRAFANA_URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ConfigError('GRAFANA_URL', `"${url.slice(0, 100)}" is not a URL; expected e.g. https://grafana.example.com`, { cause: error });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new ConfigError('GRAFANA_URL', `must be an http:// or https:// URL, not ${parsed.protocol}`);
  if (parsed.username || parsed.password) throw new ConfigError('GRAFANA_URL', 'must not contain credentials; the token goes in GRAFANA_TOKEN');
  if (/[\s\p{Cc}]/u.test(token)) throw new ConfigError('GRAFANA_TOKEN', 'must be one token without white space or control characters');
  return { url, token, timeoutMs: GRAFANA_TIMEOUT_MS };
}

/** The tags of a deployment marker: `deploy`, `slo-gate`, the repository's `owner/name`, the environment, and any more. */
export function annotationTags(repository: string, environment: string, ...more: string[]): string[] {
  return ['deploy', 'slo-gate', repository, environment, ...more].map((tag) => tag.slice(0, MAX_TAG));
}

/** `POST /api/annotations` with a bearer token: `time` in epoch milliseconds, the tags, the text. */
export function createGrafana(config: GrafanaConfig): Grafana {
  const base = config.url.endsWith('/') ? config.url : `${config.url}/`;
  const where = new URL(base).origin;
  const http = axios.create({
    baseURL: base,
    headers: { Authorization: `Bearer ${config.token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
    timeout: config.timeoutMs,
    maxContentLength: 64 * 1024,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
  return {
    async annotate({ time, tags, text }) {
      const body = { time: time.getTime(), tags, text: text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text };
      try {
        // axios' own timeout only notices a socket gone quiet; the signal bounds the whole request.
        const response = await http.post<string>('api/annotations', body, { signal: AbortSignal.timeout(config.timeoutMs) });
        if (response.status < 200 || response.status > 299) {
          return { ok: false, problem: `Grafana at ${where} answered HTTP ${response.status} to POST /api/annotations${detail(response.data)}` };
        }
        return { ok: true, id: idOf(response.data) };
      } catch (error) {
        return { ok: false, problem: `Grafana at ${where} did not take the annotation: ${transportProblem(error, config.timeoutMs)}` };
      }
    },
  };
}

function transportProblem(error: unknown, timeoutMs: number): string {
  const code = (error as { code?: unknown }).code;
  const name = (error as { name?: unknown }).name;
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || name === 'TimeoutError' || name === 'CanceledError') {
    return `no answer within ${timeoutMs} ms`;
  }
  return typeof code === 'string' ? code : ((error as Error).message ?? String(error)).split('\n')[0]!.slice(0, 200);
}

/** Grafana says why in `{"message": "..."}`; anything else is not repeated (it could be a proxy's HTML). */
function detail(body: unknown): string {
  try {
    const message = (JSON.parse(String(body)) as { message?: unknown }).message;
    return typeof message === 'string' ? `: ${message.slice(0, 200)}` : '';
  } catch {
    return '';
  }
}

function idOf(body: unknown): number | undefined {
  try {
    const id = (JSON.parse(String(body)) as { id?: unknown }).id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

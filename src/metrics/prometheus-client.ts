import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { QueryError } from '../errors.js';
import type { MetricsSource } from './source.js';

export interface PrometheusOptions {
  /** Base URL of anything speaking the Prometheus HTTP API, with any path prefix (`https://mimir/prometheus`). */
  url: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
const INFINITIES: Record<string, number> = { '+Inf': Infinity, Inf: Infinity, '-Inf': -Infinity };

const sampleValue = z.tuple([z.number(), z.string()]);
const answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.string(), result: z.unknown() }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
const vector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue }));

/** Queries `POST /api/v1/query` (form-encoded, so long queries fit) and insists on exactly one sample. */
export function createPrometheusClient(options: PrometheusOptions): MetricsSource {
  const http = createHttp(options);
  const where = redact(options.url);
  return {
    async queryScalar(query, at) {
      const form = new URLSearchParams({ query });
      if (at) form.set('time', (at.getTime() / 1000).toFixed(3));
      const response = await http.post<string>('api/v1/query', form).catch((error: unknown) => {
        throw new QueryError(transportProblem(error, where, options.timeoutMs), query, { cause: error });
      });
      return singleSample(query, response.status, response.data);
    },
  };
}

function createHttp(options: PrometheusOptions): AxiosInstance {
  const headers: Record<string, string> = { ...options.headers, Accept: 'application/json' };
  if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
  return axios.create({
    baseURL: options.url.endsWith('/') ? options.url : `${options.url}/`,
    timeout: options.timeoutMs ?? 5000,
    headers,
    auth: options.basicAuth,
    maxContentLength: MAX_RESPONSE_BYTES,
    maxRedirects: 0,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    validateStatus: () => true,
  });
}

function singleSample(query: string, status: number, body: string): number {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new QueryError(`answered HTTP ${status} with a body that is not JSON (${snippet(body)})`, query, { status });
  }
  const parsed = answer.safeParse(json);
  if (!parsed.success) throw new QueryError(`answered HTTP ${status} with JSON that is not a Prometheus API response`, query, { status });
  if (parsed.data.status === 'error') {
    const { errorType, error } = parsed.data;
    const message = (error ?? '').replace(/^invalid parameter "query":\s*/, '');
    throw new QueryError(`rejected the query (${errorType ?? `HTTP ${status}`}): ${snippet(message, 240)}`, query, { status });
  }
  const { resultType, result } = parsed.data.data;
  if (resultType !== 'vector') throw new QueryError(`returned a ${resultType}, not an instant vector`, query, { status });
  const series = vector.safeParse(result);
  if (!series.success) throw new QueryError('returned a malformed vector', query, { status });
  if (series.data.length === 0) throw new QueryError('returned no series', query, { status });
  if (series.data.length > 1) throw new QueryError(`returned ${series.data.length} series, not one: aggregate it, e.g. with sum()`, query, { status });
  const text = series.data[0]!.value[1];
  // Prometheus writes infinities as +Inf and -Inf, which Number() does not read.
  const value = INFINITIES[text] ?? Number(text);
  if (Number.isNaN(value) && text !== 'NaN') throw new QueryError(`returned a sample that is not a number (${snippet(text)})`, query, { status });
  return value;
}

function transportProblem(error: unknown, where: string, timeoutMs = 5000): string {
  if (axios.isAxiosError(error)) {
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return `${where} did not answer within ${timeoutMs} ms`;
    if (error.code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test(error.message)) return `${where} answered more than ${MAX_RESPONSE_BYTES} bytes`;
    return `cannot reach ${where} (${error.code ?? error.message})`;
  }
  return `query to ${where} failed: ${(error as Error).message ?? String(error)}`;
}

/** The URL without credentials, for messages that end up in comments and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'the metrics server';
  }
}

function snippet(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

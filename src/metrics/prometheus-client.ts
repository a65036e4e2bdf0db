import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { QueryError } from '../errors.js';
import { stepMillis, stepTimes, type RangeSource, type TimeRange } from './range-source.js';
import { parseSampleValue } from './sample-value.js';
import { EVALUATION_ENDED, type MetricsSource } from './source.js';
import { NO_SERIES } from './window-reading.js';

export interface PrometheusOptions {
  /** Base URL of anything speaking the Prometheus HTTP API, with any path prefix (`https://mimir/prometheus`). */
  url: string;
  bearerToken?: string;
  basicAuth?: { username: string; password: string };
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;
/**
 * Points per series in one range request. Prometheus refuses more than 11,000; 10,000 points of
 * one series are about 400 KB of JSON, well inside MAX_RESPONSE_BYTES.
 */
export const MAX_POINTS_PER_REQUEST = 10_000;

const sampleValue = z.tuple([z.number(), z.string()]);
const answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.string(), result: z.unknown() }),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
const vector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue }));
const matrix = z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(sampleValue) }));

/** Queries `POST /api/v1/query` (form-encoded, so long queries fit) and insists on exactly one sample. */
export function createPrometheusClient(options: PrometheusOptions): MetricsSource {
  const post = createPost(options);
  return {
    async queryScalar(query, at, signal) {
      const form = new URLSearchParams({ query });
      if (at) form.set('time', (at.getTime() / 1000).toFixed(3));
      const response = await post('api/v1/query', form, query, signal);
      return singleSample(query, response.status, response.data);
    },
  };
}

/**
 * Queries `POST /api/v1/query_range` (form-encoded) and insists on at most one series. A range of
 * more than MAX_POINTS_PER_REQUEST steps is asked for in consecutive pieces, one after the other.
 */
export function createPrometheusRangeClient(options: PrometheusOptions): RangeSource {
  const post = createPost(options);
  return {
    async queryRange(query: string, range: TimeRange) {
      const times = stepTimes(range);
      const step = String(stepMillis(range) / 1000);
      const samples = new Map<number, number>();
      for (let first = 0; first < times.length; first += MAX_POINTS_PER_REQUEST) {
        const last = Math.min(first + MAX_POINTS_PER_REQUEST, times.length) - 1;
        const form = new URLSearchParams({ query, start: times[first]!.toFixed(3), end: times[last]!.toFixed(3), step });
        const response = await post('api/v1/query_range', form, query);
        const asked = { startMs: Math.round(times[first]! * 1000), endMs: Math.round(times[last]! * 1000), stepMs: stepMillis(range) };
        seriesSamples(query, response.status, response.data, asked, samples);
      }
      return samples;
    },
  };
}

type Post = (path: string, form: URLSearchParams, query: string, signal?: AbortSignal) => Promise<{ status: number; data: string }>;

/**
 * One form-encoded POST with a deadline: `timeoutMs` bounds the whole request, from connecting
 * to the last byte of the body (axios' own `timeout` only notices a socket that goes quiet, so a
 * body trickled a byte at a time outlived it). `signal` gives the request up earlier.
 */
function createPost(options: PrometheusOptions): Post {
  const http = createHttp(options);
  const where = redact(options.url);
  const timeoutMs = options.timeoutMs ?? 5000;
  return async (path, form, query, signal) => {
    if (signal?.aborted) throw new QueryError(EVALUATION_ENDED, query);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const giveUp = () => controller.abort();
    signal?.addEventListener('abort', giveUp, { once: true });
    try {
      return await http.post<string>(path, form, { signal: controller.signal });
    } catch (error) {
      const problem = timedOut ? `${where} did not answer within ${timeoutMs} ms` : signal?.aborted ? EVALUATION_ENDED : transportProblem(error, where);
      throw new QueryError(problem, query, { cause: error });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
    }
  };
}

function createHttp(options: PrometheusOptions): AxiosInstance {
  const headers: Record<string, string> = { ...options.headers, Accept: 'application/json' };
  if (options.bearerToken) headers.Authorization = `Bearer ${options.bearerToken}`;
  return axios.create({
    baseURL: options.url.endsWith('/') ? options.url : `${options.url}/`,
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
  const { resultType, result } = successfulResult(query, status, body);
  if (resultType !== 'vector') throw new QueryError(`returned a ${resultType}, not an instant vector`, query, { status });
  const series = vector.safeParse(result);
  if (!series.success) throw new QueryError('returned a malformed vector', query, { status });
  if (series.data.length === 0) throw new QueryError(NO_SERIES, query, { status });
  if (series.data.length > 1) throw new QueryError(tooManySeries(series.data.length), query, { status });
  return sampleOf(query, status, series.data[0]!.value[1]);
}

/**
 * The samples of a range answer with at most one series, by Unix seconds (to the millisecond).
 * Every sample must sit on a step that was asked for: a query frontend that moves the range onto
 * multiples of the step (Thanos does by default) would otherwise leave every step without a sample.
 */
function seriesSamples(
  query: string,
  status: number,
  body: string,
  asked: { startMs: number; endMs: number; stepMs: number },
  into: Map<number, number>,
): void {
  const { resultType, result } = successfulResult(query, status, body);
  if (resultType !== 'matrix') throw new QueryError(`returned a ${resultType}, not a range matrix`, query, { status });
  const series = matrix.safeParse(result);
  if (!series.success) throw new QueryError('returned a malformed matrix', query, { status });
  if (series.data.length > 1) throw new QueryError(tooManySeries(series.data.length), query, { status });
  for (const [time, text] of series.data[0]?.values ?? []) {
    const ms = Math.round(time * 1000);
    if (ms < asked.startMs || ms > asked.endMs || (ms - asked.startMs) % asked.stepMs !== 0) {
      const at = Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(time);
      throw new QueryError(
        `returned a sample at ${at}, which is not one of the steps asked for: if a query frontend aligns ranges to the step, start the range on a multiple of the step`,
        query,
        { status },
      );
    }
    into.set(ms / 1000, sampleOf(query, status, text));
  }
}

/** The `data` of a successful API answer; every other answer becomes a QueryError saying what it was. */
function successfulResult(query: string, status: number, body: string): { resultType: string; result: unknown } {
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
  return parsed.data.data;
}

function tooManySeries(count: number): string {
  return `returned ${count} series, not one: aggregate it, e.g. with sum()`;
}

/** A sample's value, read with Prometheus' float grammar: anything else is not a number (and no prototype lookup). */
function sampleOf(query: string, status: number, text: string): number {
  const value = parseSampleValue(text);
  if (value === undefined) throw new QueryError(`returned a sample that is not a number (${snippet(text)})`, query, { status });
  return value;
}

function transportProblem(error: unknown, where: string): string {
  if (axios.isAxiosError(error)) {
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

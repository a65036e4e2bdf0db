/**
 * Anything that answers PromQL instant queries with one number: Prometheus, Thanos, Mimir,
 * VictoriaMetrics, or a fake in tests. Implementations throw QueryError for every answer that
 * is not exactly one sample, so the caller can report it as missing data.
 */
export interface MetricsSource {
  /**
   * The single sample of an instant query, evaluated at `at` (default: the server's now). Once
   * `signal` aborts (the evaluation ran out of time), a query not yet sent is not sent, and one
   * in flight may be abandoned: either way it rejects with a QueryError.
   */
  queryScalar(query: string, at?: Date, signal?: AbortSignal): Promise<number>;
}

/** The QueryError message of a query given up because its evaluation ran out of time. */
export const EVALUATION_ENDED = 'was given up: the evaluation ran out of time';

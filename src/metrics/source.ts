/**
 * Anything that answers PromQL instant queries with one number: Prometheus, Thanos, Mimir,
 * VictoriaMetrics, or a fake in tests. Implementations throw QueryError for every answer that
 * is not exactly one sample, so the caller can report it as missing data.
 */
export interface MetricsSource {
  /** The single sample of an instant query, evaluated at `at` (default: the server's now). */
  queryScalar(query: string, at?: Date): Promise<number>;
}

import { QueryError } from '../../src/errors.js';
import { EVALUATION_ENDED, type MetricsSource } from '../../src/metrics/source.js';

/**
 * A metrics server that answers `errors…` queries at once and never answers the others, until the
 * evaluation gives up on them (its signal aborts). Records what was sent and what was abandoned.
 */
export class SlowSource implements MetricsSource {
  readonly sent: string[] = [];
  readonly abandoned: string[] = [];

  constructor(private readonly answersAtOnce: (query: string) => boolean = (query) => query.startsWith('errors')) {}

  queryScalar(query: string, _at?: Date, signal?: AbortSignal): Promise<number> {
    this.sent.push(query);
    if (this.answersAtOnce(query)) return Promise.resolve(1);
    return new Promise((_resolve, reject) => {
      signal?.addEventListener('abort', () => {
        this.abandoned.push(query);
        reject(new QueryError(EVALUATION_ENDED, query));
      });
    });
  }
}

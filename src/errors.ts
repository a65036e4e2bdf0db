/** Every error slo-gate raises on purpose. Each names what went wrong and how to fix it. */

export interface PolicyProblem {
  /** Key path in the policy, e.g. `slos[0].sli.events.totalQuery`; empty for the document itself. */
  path: string;
  message: string;
  /** 1-based line in the policy file, when known. */
  line?: number;
}

/** The policy file could not be parsed or does not satisfy the schema. */
export class PolicyError extends Error {
  override name = 'PolicyError';
  constructor(
    readonly problems: PolicyProblem[],
    options?: { cause?: unknown },
  ) {
    super(problems.map(formatProblem).join('; '), options);
  }
}

export function formatProblem(problem: PolicyProblem): string {
  const where = [problem.path, problem.line === undefined ? '' : `line ${problem.line}`].filter(Boolean).join(', ');
  return where ? `${where}: ${problem.message}` : problem.message;
}

/** The operator's environment is unusable; the app must not start. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${message}`, options);
  }
}

/** A metrics query failed or answered something slo-gate cannot use. */
export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    message: string,
    readonly query: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options);
    this.status = options?.status;
  }
  readonly status: number | undefined;
}

/** A GitHub API call failed; wraps Octokit's RequestError at the adapter boundary. */
export class GitHubError extends Error {
  override name = 'GitHubError';
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A lock on shared state was not free within the wait allowed. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
  }
}

/** A GitHub API request did not finish (headers and whole body) within the time allowed. */
export class GitHubTimeoutError extends Error {
  override name = 'GitHubTimeoutError';
  constructor(
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(`GitHub did not answer ${request} within ${timeoutMs} ms`);
  }
}

/**
 * The shared store (Redis) could not be reached, or did not answer in time: nothing could be read,
 * claimed, locked or scheduled. Callers fail closed (an `error` status) and try again once it is back.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    readonly operation: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`slo-gate cannot reach its shared state (Redis) to ${operation}: ${reason}. Check that Redis is up and reachable from this replica`, options);
  }
}

/** One evaluation ran past its deadline; the queries it still waited for are not sent. */
export class EvaluationDeadlineError extends Error {
  override name = 'EvaluationDeadlineError';
  constructor(
    readonly deadlineMs: number,
    readonly outstanding: number,
    readonly queries: number,
    options?: { cause?: unknown },
  ) {
    super(
      `evaluation did not finish within ${formatSpan(deadlineMs)} (${count(outstanding)} of ${count(queries)} queries outstanding); ` +
        'the policy may need fewer SLOs/windows or the metrics server is slow',
      options,
    );
  }
}

function formatSpan(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${count(ms / 1000)} s` : `${count(ms)} ms`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

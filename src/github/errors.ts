import { GitHubError } from '../errors.js';

/** Translates whatever Octokit threw into our GitHubError, naming the operation that failed. */
export function gitHubError(operation: string, error: unknown): GitHubError {
  const status = (error as { status?: unknown }).status;
  const code = typeof status === 'number' ? status : undefined;
  const detail = (error as Error).message ?? String(error);
  return new GitHubError(`GitHub: ${operation} failed${code ? ` (HTTP ${code})` : ''}: ${detail.split('\n')[0]}`, code, { cause: error });
}

export async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw gitHubError(operation, error);
  }
}

import { z } from 'zod';
import type { ChangedFiles } from '../policy/paths.js';
import type { Store } from '../state/store.js';
import { gitHubError } from './errors.js';
import type { Octokit } from './pull-request.js';

/** GitHub lists at most this many files of a pull request; one with more cannot be told apart from one with exactly this many. */
export const MAX_LISTED_FILES = 3000;
const PER_PAGE = 100;
/** A head's files never change; a day covers its re-checks without keeping every head's list forever. */
const FILES_TTL_MS = 86_400_000;

export interface PullRequestHeadRef {
  owner: string;
  repo: string;
  number: number;
  sha: string;
}

const cachedShape = z.union([
  z.object({ kind: z.literal('listed'), files: z.array(z.string()) }),
  z.object({ kind: z.literal('unknown'), why: z.literal('too-many'), detail: z.string() }),
]);

/**
 * The files a pull request changes (a renamed file under its new and its old name), read once per
 * head: re-checks of the same head read them from the store. `too-many` at GitHub's listing limit,
 * `unreadable` when GitHub fails (not cached, so the next look tries again); both mean "gate on
 * every SLO". Fails only when the store does.
 */
export async function changedFiles(octokit: Octokit, pr: PullRequestHeadRef, store: Store): Promise<ChangedFiles> {
  const key = `files:${pr.owner}/${pr.repo}#${pr.number}@${pr.sha}`;
  const cached = parseCached(await store.get(key));
  if (cached) return cached;
  let listed: ChangedFiles;
  try {
    listed = await listFiles(octokit, pr);
  } catch (error) {
    return { kind: 'unknown', why: 'unreadable', detail: gitHubError(`listing the files of #${pr.number}`, error).message };
  }
  await store.set(key, JSON.stringify(listed), FILES_TTL_MS);
  return listed;
}

async function listFiles(octokit: Octokit, { owner, repo, number }: PullRequestHeadRef): Promise<ChangedFiles> {
  const files: string[] = [];
  let count = 0;
  const pages = octokit.paginate.iterator(octokit.rest.pulls.listFiles, { owner, repo, pull_number: number, per_page: PER_PAGE });
  for await (const { data } of pages) {
    for (const file of data) {
      count++;
      files.push(file.filename);
      if (file.previous_filename) files.push(file.previous_filename);
    }
    if (count >= MAX_LISTED_FILES) break;
  }
  if (count >= MAX_LISTED_FILES) {
    return {
      kind: 'unknown',
      why: 'too-many',
      detail: `GitHub lists at most ${MAX_LISTED_FILES.toLocaleString('en')} changed files, and this pull request has that many or more`,
    };
  }
  return { kind: 'listed', files };
}

function parseCached(text: string | undefined): ChangedFiles | undefined {
  if (!text) return undefined;
  try {
    const parsed = cachedShape.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined; // something else under our key: read the files again
    throw error;
  }
}

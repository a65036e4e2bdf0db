import { describe, expect, it } from 'vitest';
import { GitHubError } from '../../src/errors.js';
import { dropWhenGone } from '../../src/org/jobs.js';
import { DropJob } from '../../src/targets/durable.js';

const job = { id: 'reconcile:o/r', kind: 'reconcile', data: {} };
const failing = (error: Error) => dropWhenGone(() => Promise.reject(error));

describe('an organisation-scale job whose installation or repository is gone', () => {
  it.each([404, 410])('is dropped when GitHub answers %i', async (status) => {
    await expect(failing(new GitHubError('GitHub: listing failed', status))(job)).rejects.toBeInstanceOf(DropJob);
  });

  it.each([403, 500, undefined])('is tried again when GitHub answers %s', async (status) => {
    await expect(failing(new GitHubError('GitHub: listing failed', status))(job)).rejects.toBeInstanceOf(GitHubError);
  });
});

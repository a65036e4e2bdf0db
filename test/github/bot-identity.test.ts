import { describe, expect, it, vi } from 'vitest';
import { GitHubError } from '../../src/errors.js';
import { botIdentity, type AppOctokit } from '../../src/github/bot-identity.js';

/** An app-authenticated Octokit whose `GET /app` answers each of `answers` in turn (an Error is thrown). */
function appOctokit(...answers: Array<unknown>) {
  const getAuthenticated = vi.fn(async () => {
    const answer = answers.shift();
    if (answer instanceof Error) throw answer;
    return { data: answer };
  });
  return { octokit: { rest: { apps: { getAuthenticated } } } satisfies AppOctokit, getAuthenticated };
}

describe("this app's own bot login", () => {
  it('is the app slug from GET /app followed by [bot]', async () => {
    const { octokit } = appOctokit({ slug: 'slo-gate', id: 1 });
    expect(await botIdentity(async () => octokit)()).toBe('slo-gate[bot]');
  });

  it('is asked of GitHub once, however many evaluations ask for it at the same moment or later', async () => {
    const { octokit, getAuthenticated } = appOctokit({ slug: 'slo-gate' });
    const botLogin = botIdentity(async () => octokit);
    expect(await Promise.all([botLogin(), botLogin(), botLogin()])).toEqual(['slo-gate[bot]', 'slo-gate[bot]', 'slo-gate[bot]']);
    expect(await botLogin()).toBe('slo-gate[bot]');
    expect(getAuthenticated).toHaveBeenCalledTimes(1);
  });

  it('asks again after GitHub failed, instead of remembering the failure', async () => {
    const { octokit, getAuthenticated } = appOctokit(Object.assign(new Error('Bad Gateway'), { status: 502 }), { slug: 'slo-gate' });
    const botLogin = botIdentity(async () => octokit);
    await expect(botLogin()).rejects.toThrow(/GET \/app\) failed \(HTTP 502\)/);
    expect(await botLogin()).toBe('slo-gate[bot]');
    expect(getAuthenticated).toHaveBeenCalledTimes(2);
  });

  it('asks again after the app could not authenticate', async () => {
    const { octokit } = appOctokit({ slug: 'slo-gate' });
    const auth = vi.fn().mockRejectedValueOnce(new Error('bad private key')).mockResolvedValue(octokit);
    const botLogin = botIdentity(auth);
    await expect(botLogin()).rejects.toThrow('bad private key');
    expect(await botLogin()).toBe('slo-gate[bot]');
  });

  it.each([
    ['no app at all', null],
    ['no slug', { id: 1 }],
    ['a slug that is not a string', { slug: 42 }],
    ['a slug that could pass for another account', { slug: 'renovate[bot] x' }],
    ['an empty slug', { slug: '' }],
  ])('refuses an answer with %s', async (_name, answer) => {
    const { octokit } = appOctokit(answer);
    await expect(botIdentity(async () => octokit)()).rejects.toThrow(GitHubError);
  });
});

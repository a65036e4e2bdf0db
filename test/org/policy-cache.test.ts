import { readFileSync } from 'node:fs';
import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { policySchema } from '../../src/policy/schema.js';
import { cachedPolicy, POLICY_SHAPE, shapeOf } from '../../src/org/policy-cache.js';
import { createMemoryStore } from '../../src/state/memory-store.js';

const API = 'https://api.github.com';
const REPO = { owner: 'Codertocat', repo: 'Hello-World' };
const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const MINIMAL = readFileSync(new URL('../fixtures/policy/minimal.yml', import.meta.url), 'utf8');

const octokit = () => new ProbotOctokit({ baseUrl: API, log: silent, retry: { enabled: false }, throttle: { enabled: false } });

function policyFile(times: number) {
  return nock(API)
    .get('/repos/Codertocat/Hello-World/contents/.github%2Fslo-gate.yml')
    .times(times)
    .reply(200, { type: 'file', encoding: 'base64', size: Buffer.byteLength(MINIMAL), content: Buffer.from(MINIMAL).toString('base64') });
}

afterEach(() => {
  nock.cleanAll();
});

describe('the policy cache', () => {
  it("reads a repository's policy from GitHub once while its entry lives", async () => {
    const store = createMemoryStore();
    const services = { store, policyCacheTtlMs: 3_600_000 };
    const scope = policyFile(1);
    const first = await cachedPolicy(services, octokit(), REPO);
    expect(first.kind).toBe('policy');
    expect(await cachedPolicy(services, octokit(), REPO)).toEqual(first);
    expect(scope.isDone()).toBe(true);
  });

  it("keys its entries by the parsed policy's shape, so a replica that added a policy key never reads an older replica's parsed policy", () => {
    const before = z.strictObject({ slos: z.array(z.string()), mode: z.enum(['enforce', 'warn']).default('enforce') });
    const after = z.strictObject({ ...before.shape, freeze: z.array(z.string()).default([]) });
    expect(shapeOf(before)).toBe(shapeOf(z.strictObject({ ...before.shape })));
    expect(shapeOf(after)).not.toBe(shapeOf(before));
    expect(shapeOf(before.extend({ mode: z.enum(['enforce', 'warn', 'dry-run']).default('enforce') }))).not.toBe(shapeOf(before));
    expect(POLICY_SHAPE).toBe(shapeOf(policySchema));
  });
});

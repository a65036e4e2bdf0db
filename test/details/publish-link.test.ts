import { describe, expect, it } from 'vitest';
import { detailsLinks } from '../../src/details/link.js';
import { detailsKey, verifyDetailsToken } from '../../src/details/token.js';
import { decide } from '../../src/gate/decide.js';
import type { CommitStatus } from '../../src/github/commit-status.js';
import { publish, type Sink } from '../../src/github/publish.js';
import type { PullRequestGitHub } from '../../src/github/pull-request.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { NO_TELEMETRY } from '../../src/telemetry.js';
import { capturedLog } from '../support/captured-log.js';
import { allWindows, policyWith, readingsOf } from '../support/readings.js';

const key = detailsKey('operator-webhook-secret');
const sha = 'c'.repeat(40);
const NOW = Date.UTC(2026, 11, 2, 9, 30);

function sink(withLinks: boolean) {
  const store = createMemoryStore();
  const written: CommitStatus[] = [];
  const comments: string[] = [];
  const github = {
    findSummaryComment: async () => undefined,
    createComment: async (body: string) => comments.push(body),
    updateComment: async () => undefined,
  } as unknown as PullRequestGitHub;
  const result: Sink = {
    github,
    statuses: { set: async (_sha, status) => void written.push(status), read: async () => undefined },
    store,
    telemetry: NO_TELEMETRY,
    log: capturedLog().log,
    details: withLinks ? detailsLinks({ publicUrl: 'https://gate.example.com', key, store, now: () => NOW }) : undefined,
  };
  return { sink: result, written, comments };
}

const policy = policyWith();
const blocked = { kind: 'verdict' as const, verdict: decide(policy, readingsOf({ [policy.slos[0]!.name]: allWindows(0.05) })) };
const publication = {
  repo: 'acme/shop',
  number: 7,
  sha,
  context: 'slo-gate',
  policy,
  recheckEveryMs: 300_000,
  compareWithGitHub: false,
  stillCurrent: async () => true,
};

describe('the details link on a pull request', () => {
  it("points the status's Details at a signed page naming the repository, the head and the SLOs, and links it in the comment", async () => {
    const { sink: s, written, comments } = sink(true);
    await publish(s, blocked, publication);
    const url = written[0]!.targetUrl!;
    expect(url).toMatch(/^https:\/\/gate\.example\.com\/slo-gate\/details\/[\w-]+\.[\w-]+$/);
    expect(verifyDetailsToken(key, url.split('/').pop()!, NOW / 1000)).toMatchObject({ repo: 'acme/shop', sha, slos: policy.slos.map((x) => x.name) });
    expect(comments[0]).toContain(`📈 [Burn-rate charts and details](${url})`);
  });

  it('adds no link, and changes nothing else, without PUBLIC_URL', async () => {
    const without = sink(false);
    const withLinks = sink(true);
    await publish(without.sink, blocked, publication);
    await publish(withLinks.sink, blocked, publication);
    expect(without.written[0]!.targetUrl).toBeUndefined();
    expect(without.comments[0]).not.toContain('details');
    expect(withLinks.comments[0]!.replace(/\n\n📈 \[Burn-rate charts and details\]\([^)]+\)/, '')).toBe(without.comments[0]);
  });

  it('gives no link for a policy that cannot be used: there is nothing to chart', async () => {
    const { sink: s, written } = sink(true);
    await publish(s, { kind: 'invalid-policy', problems: [{ path: 'slos', message: 'is required' }] }, { ...publication, policy: undefined });
    expect(written[0]!.targetUrl).toBeUndefined();
  });
});

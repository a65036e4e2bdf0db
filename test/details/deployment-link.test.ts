import { describe, expect, it } from 'vitest';
import { detailsLinks } from '../../src/details/link.js';
import { detailsKey, verifyDetailsToken } from '../../src/details/token.js';
import { decide } from '../../src/gate/decide.js';
import type { Octokit } from '../../src/github/pull-request.js';
import type { GateServices } from '../../src/handlers/services.js';
import { parsePolicyText } from '../../src/policy/parse-policy.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import { deploymentTarget } from '../../src/targets/deployment-target.js';
import { NO_TELEMETRY } from '../../src/telemetry.js';
import { capturedLog } from '../support/captured-log.js';
import { POLICY } from '../support/policies.js';
import { allWindows, readingsOf } from '../support/readings.js';

const key = detailsKey('operator-webhook-secret');
const NOW = Date.UTC(2026, 11, 2, 9, 30);
const text = `${POLICY}environments:\n  production: {}\n`;

/** An Octokit that serves the policy and records the commit statuses written. */
function octokit() {
  const statuses: Array<Record<string, unknown>> = [];
  const content = Buffer.from(text).toString('base64');
  const fake = {
    rest: {
      repos: {
        getContent: async () => ({ data: { type: 'file', encoding: 'base64', size: text.length, content } }),
        createCommitStatus: async (params: Record<string, unknown>) => statuses.push(params),
      },
    },
  } as unknown as Octokit;
  return { fake, statuses };
}

function services(withLinks: boolean): GateServices {
  const store = createMemoryStore();
  return {
    store,
    telemetry: NO_TELEMETRY,
    now: () => NOW,
    details: withLinks ? detailsLinks({ publicUrl: 'https://gate.example.com', key, store, now: () => NOW }) : undefined,
  } as unknown as GateServices;
}

const request = { installationId: 1, owner: 'acme', repo: 'shop', deploymentId: 42, environment: 'production', sha: 'e'.repeat(40) };
const policy = parsePolicyText(text);
const report = { kind: 'verdict' as const, verdict: decide(policy, readingsOf({ [policy.slos[0]!.name]: allWindows(0.0005) })) };

describe("a deployment's status", () => {
  it('links the details page of that deployment, naming its id and SLOs', async () => {
    const { fake, statuses } = octokit();
    const target = deploymentTarget(services(true), fake, request, capturedLog().log);
    await target.prepare();
    await target.publish(report, undefined, async () => true);
    expect(statuses).toHaveLength(1);
    const url = statuses[0]!.target_url as string;
    expect(statuses[0]!.context).toBe('slo-gate/production');
    expect(verifyDetailsToken(key, url.split('/').pop()!, NOW / 1000)).toMatchObject({ repo: 'acme/shop', deployment: 42, slos: ['checkout-availability'] });
  });

  it('has no Details link without PUBLIC_URL', async () => {
    const { fake, statuses } = octokit();
    const target = deploymentTarget(services(false), fake, request, capturedLog().log);
    await target.prepare();
    await target.publish(report, undefined, async () => true);
    expect(statuses[0]).not.toHaveProperty('target_url');
  });
});

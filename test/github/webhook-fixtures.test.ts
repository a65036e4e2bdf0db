import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCallbackUrl } from '../../src/github/deployments.js';
import { deploymentProtectionRuleRequested, type DeploymentProtectionRuleRequested } from '../fixtures/webhooks/deployment_protection_rule.requested.js';

const json: unknown = JSON.parse(readFileSync(new URL('../fixtures/webhooks/deployment_protection_rule.requested.json', import.meta.url), 'utf8'));

// The fixture's `satisfies` is only a check if the type is GitHub's schema and not `any`: a payload
// without `repository` and `sender` must not compile.
// @ts-expect-error: the schema requires `repository` and `sender`
const _incomplete = { action: 'requested' } satisfies DeploymentProtectionRuleRequested;

describe('the deployment_protection_rule.requested fixture', () => {
  it('is the same payload as JSON and as the schema-typed module', () => {
    expect(json).toEqual(deploymentProtectionRuleRequested);
  });

  it('asks about the production deployment of the pull request head the app tests use, with a callback on api.github.com', () => {
    const payload = deploymentProtectionRuleRequested;
    expect(payload.deployment.sha).toBe('ec26c3e57ca3a959ca5aad62de7213c562f8c821');
    expect(payload.pull_requests.map((pr) => [pr.number, pr.head.sha])).toEqual([[2, payload.deployment.sha]]);
    expect(parseCallbackUrl(payload.deployment_callback_url, 'https://api.github.com')).toEqual({
      runId: 7311,
      repository: 'Codertocat/Hello-World',
      foreignHost: false,
    });
  });
});

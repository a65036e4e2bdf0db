import { generateKeyPairSync } from 'node:crypto';
import examples from '@octokit/webhooks-examples';
import { Probot, ProbotOctokit } from 'probot';
import { createApp } from '../../src/app.js';
import type { MetricsSource } from '../../src/metrics/source.js';

// A throwaway key, made per run: Probot signs a real JWT and exchanges it for an installation token.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

export const INSTALLATION_ID = 4242;

/** A Probot running our app with retries and throttling off (the function form: the object form is overwritten). */
export async function createTestProbot(metrics: MetricsSource, options: { baseUrl?: string } = {}): Promise<Probot> {
  const probot = new Probot({
    appId: 1,
    privateKey,
    baseUrl: options.baseUrl,
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({ ...o, retry: { enabled: false }, throttle: { enabled: false } })),
    logLevel: 'fatal',
  });
  await probot.load(createApp({ metrics }));
  return probot;
}

type Example = { action?: string } & Record<string, unknown>;

/** A `pull_request` payload shaped exactly like GitHub's own, from @octokit/webhooks-examples. */
export function pullRequestPayload(action: string, changes?: (payload: any) => void): any {
  const all = (examples as unknown as Array<{ name: string; examples: Example[] }>).find((e) => e.name === 'pull_request')!.examples;
  const source = action === 'edited' ? all.find((e) => e.action === 'opened' && e.installation) : all.find((e) => e.action === action && e.installation);
  if (!source) throw new Error(`no pull_request.${action} example`);
  const payload = structuredClone(source) as any;
  payload.action = action;
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  changes?.(payload);
  return payload;
}

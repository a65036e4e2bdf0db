import { generateKeyPairSync } from 'node:crypto';
import examples from '@octokit/webhooks-examples';
import { Probot, ProbotOctokit, type Logger } from 'probot';
import { createApp, type AppDependencies, type SloGateApp } from '../../src/app.js';
import type { MetricsSource } from '../../src/metrics/source.js';
import { createMemoryStore } from '../../src/state/memory-store.js';
import type { Store } from '../../src/state/store.js';

// A throwaway key, made per run: Probot signs a real JWT and exchanges it for an installation token.
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

export const INSTALLATION_ID = 4242;

/** A Probot running our app with retries and throttling off (the function form: the object form is overwritten). */
export interface TestProbotOptions extends Partial<AppDependencies> {
  baseUrl?: string;
  /** Receives the HTTP handlers the app mounts (/healthz, /readyz, /metrics). */
  addHandler?: (handler: unknown) => void;
  /** The app to load instead of one made from these options (to reach its `drain`). */
  app?: SloGateApp;
  /** Probot's retry plugin on, with short waits: for tests of GitHub failing. */
  retries?: boolean;
  /** Where the app logs (default: nowhere below fatal); for tests that assert a log line. */
  log?: Logger;
}

export async function createTestProbot(metrics: MetricsSource, options: TestProbotOptions = {}): Promise<Probot> {
  const probot = new Probot({
    appId: 1,
    privateKey,
    baseUrl: options.baseUrl,
    Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
      ...o,
      retry: options.retries ? { enabled: true, retryAfterBaseValue: 5 } : { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: 'fatal',
    log: options.log,
  });
  const { baseUrl: _baseUrl, addHandler, retries: _retries, app: given, log: _log, ...deps } = options;
  const owned = deps.store ? undefined : createMemoryStore();
  // The per-PR path unless a test asks for gate groups and the policy cache (test/org/ does).
  const app = given ?? createApp({ store: owned ?? deps.store!, random: () => 0, retryBaseMs: 20, policyCacheTtlMs: 0, gateGroups: false, ...deps, metrics });
  await probot.load(app, { cwd: process.cwd(), addHandler: addHandler ?? (() => {}) });
  running.push({ app, owned });
  return probot;
}

const running: Array<{ app: SloGateApp; owned: Store | undefined }> = [];

/**
 * Stops every app a test started: closes the stores made here (a test closes its own), so no
 * re-check starts any more, then lets the work in flight finish, so nothing left of one test can
 * use the next test's GitHub mocks.
 */
export async function settleApps(): Promise<void> {
  const apps = running.splice(0);
  await Promise.all(apps.map(async ({ owned }) => owned?.close()));
  await Promise.all(apps.map(({ app }) => app.drain(5_000)));
}

type Example = { action?: string } & Record<string, unknown>;

/** A payload shaped exactly like GitHub's own, from @octokit/webhooks-examples: the first example that `pick` accepts. */
export function examplePayload(name: string, pick: (example: any) => boolean, changes?: (payload: any) => void): any {
  const all = (examples as unknown as Array<{ name: string; examples: Example[] }>).find((e) => e.name === name)!.examples;
  const source = all.find(pick);
  if (!source) throw new Error(`no ${name} example matches`);
  const payload = structuredClone(source) as any;
  payload.installation = { id: INSTALLATION_ID, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==' };
  changes?.(payload);
  return payload;
}

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

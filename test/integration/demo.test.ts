/**
 * `npm run demo` as an end-to-end test: the real app (`probot run ./lib/index.js`) against the demo's
 * GitHub simulator and its own real Prometheus, walked through the outage without pauses. The test
 * checks what the demo narrates (statuses, comments, protection-rule reviews), that the simulator
 * saw no request it did not expect, and that everything it started is gone afterwards.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../bench/support/app-process.js';
import { withResources } from '../../bench/support/resources.js';
import { runDemo, type DemoResult, type Observation } from '../../demo/run.js';

/** A build of lib/ (when src/ is newer), Prometheus with a month of data, and one 30 s re-check interval. */
const DEMO_TIMEOUT_MS = 240_000;

async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    async (response) => (await response.body?.cancel(), true),
    () => false,
  );
}

describe('npm run demo', () => {
  it(
    'shows a pull request pass, block during an outage, a hotfix let through, a deployment held, and both released by themselves after recovery',
    async () => {
      const lines: string[] = [];
      const result: DemoResult = await withResources(
        () => undefined,
        (resources) => runDemo({ interactive: false, pauseMs: 0, print: (line) => lines.push(line) }, resources),
      );
      const seen = (step: string, kind: Observation['kind'], subject: string) =>
        result.observations.filter((o) => o.step === step && o.kind === kind && o.subject === subject);
      const output = lines.join('\n');

      // Before the outage: #1 passes, and nothing needs explaining.
      expect(seen('quiet', 'status', '#1').map((o) => o.state)).toEqual(['success']);
      expect(seen('quiet', 'status', '#1')[0]!.text).toMatch(/^OK: \d+% of error budget left/);
      expect(seen('quiet', 'comment', '#1')).toEqual([]);
      expect(output).toContain('#1 1e2a6c0  ✔ slo-gate: success  OK: ');

      // During it: the push to #1 and the fix #2 are blocked, each with a comment naming the rules and its commit.
      for (const [subject, sha7] of [
        ['#1', '1f3b7d1'],
        ['#2', '2c4e6a8'],
      ] as const) {
        expect(seen('incident', 'status', subject).map((o) => o.state)).toEqual(['failure']);
        expect(seen('incident', 'status', subject)[0]!.text).toMatch(/^Blocked: checkout-availability burning 50× over 5m and 50× over 1m \(limit 14\.4×\)/);
        const [comment] = seen('incident', 'comment', subject);
        expect(comment?.text).toContain('### 🔴 slo-gate: merging is blocked');
        expect(comment?.text).toContain(`slo-gate evaluated commit ${sha7}`);
        expect(output).toContain(`${subject} ${sha7}  ✖ slo-gate: failure  Blocked: checkout-availability`);
      }
      expect(output).toContain('│ 🔴 slo-gate: merging is blocked');

      // The admin's hotfix label lets #2 through, and the comment says who and why.
      expect(seen('hotfix', 'status', '#2').map((o) => o.state)).toEqual(['success']);
      expect(seen('hotfix', 'status', '#2')[0]!.text).toMatch(/^Bypassed by label hotfix \(applied by @alice\); would be: Blocked: checkout-availability/);
      expect(seen('hotfix', 'comment', '#2')[0]?.text).toContain('### 🟠 slo-gate: bypassed, merging is allowed');

      // The deployment waits behind the protection rule...
      const [progress] = seen('deployment', 'review', 'run 9001');
      expect(progress?.state).toBeUndefined();
      expect(progress?.text).toContain('slo-gate is holding the deployment to `production`');

      // ...and once the outage is over, #1 and the deployment are released with no event at all.
      expect(seen('recovered', 'status', '#1').map((o) => o.state)).toEqual(['success']);
      expect(seen('recovered', 'comment', '#1')[0]?.text).toContain('slo-gate: the error budget is healthy');
      expect(seen('recovered', 'review', 'run 9001').map((o) => o.state)).toEqual(['approved']);
      expect(seen('recovered', 'review', 'run 9001')[0]!.text).toContain('### 🟢 slo-gate approved the deployment to `production`');
      expect(output).toMatch(/after \d+ s:\n {2}#1 1f3b7d1 {2}✔ slo-gate: success {2}OK: /);

      // The status links to the details page (PUBLIC_URL), and the app serves it with its charts.
      const [page] = seen('details', 'details', '#1');
      expect(page?.state).toBe('200');
      expect(page?.text).toContain('<svg');
      expect(output).toMatch(/The details page of #1 \(HTTP 200, \d+ KB of HTML, [1-9]\d* charts\)/);

      expect(result.unexpected).toEqual([]);
      expect(result.warnings).toEqual([]);
      for (const url of result.endpoints) expect(await answers(url), `${url} still answers after the demo`).toBe(false);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'stops everything it started when interrupted with Ctrl-C',
    async () => {
      const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'demo/run.ts')], {
        cwd: ROOT,
        env: { ...process.env, CI: 'true' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      try {
        // Interrupted once the app is up and the first pull request is in.
        const deadline = Date.now() + DEMO_TIMEOUT_MS - 30_000;
        while (!output.includes('all quiet') && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        expect(output).toContain('all quiet');
        child.kill('SIGINT');
        expect(await exited, output).toBe(130);
        const urls = [...output.matchAll(/(?:Prometheus|GitHub simulator|on) (http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]!);
        expect(urls).toHaveLength(3);
        for (const url of urls) expect(await answers(url), `${url} still answers after Ctrl-C`).toBe(false);
      } finally {
        child.kill('SIGKILL');
      }
    },
    DEMO_TIMEOUT_MS,
  );
});

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { argvFromInputs, runAction, summary } from '../../src/action.js';
import { POLICY } from '../support/policies.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'src/action.ts');
/** `node --import tsx`, resolved from the repository: the step runs in a workspace that has no node_modules. */
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

/**
 * A Prometheus that answers every instant query with one sample of the error ratio its client
 * sends in `X-Ratio` (set through PROMETHEUS_HEADERS, as an operator sets a tenant header), and
 * every range query with that ratio at each step: 0.0005 is half the budget rate of a 99.9% SLO,
 * 0.02 twenty times it. One server for steps running at once.
 */
let server: Server;
let prometheus: string;
const HEALTHY = '0.0005';
const BURNING = '0.02';
const asked: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const ratio = String(req.headers['x-ratio'] ?? 'NaN');
      asked.push(`${req.url} ${form.get('query')}`);
      const data =
        req.url === '/api/v1/query'
          ? { resultType: 'vector', result: [{ metric: {}, value: [Number(form.get('time') ?? 1_700_000_000), ratio] }] }
          : { resultType: 'matrix', result: [{ metric: {}, values: steps(form).map((t) => [t, ratio]) }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  prometheus = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'slo-gate-action-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function steps(form: URLSearchParams): number[] {
  const [start, end, step] = ['start', 'end', 'step'].map((key) => Number(form.get(key)));
  const out: number[] = [];
  for (let t = start!; t <= end! + 1e-9; t += step!) out.push(Math.round(t * 1000) / 1000);
  return out;
}

let dir: string;

/**
 * Runs the entry point the way the runner runs a JavaScript action: a fresh `node` process in the
 * workspace, inputs as `INPUT_<NAME>` (upper case, dashes kept), the summary file in
 * GITHUB_STEP_SUMMARY. Nothing else of this process's environment leaks in.
 */
async function stepEnv(inputs: Record<string, string>, ratio: string, extra: NodeJS.ProcessEnv) {
  const summaryFile = join(dir, `summary-${Math.random().toString(36).slice(2)}.md`);
  await writeFile(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_ACTIONS: 'true',
    PROMETHEUS_HEADERS: JSON.stringify({ 'X-Ratio': ratio }),
    ...extra,
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  return { env, summaryFile };
}

async function runStep(inputs: Record<string, string>, ratio = HEALTHY, extra: NodeJS.ProcessEnv = {}) {
  const { env, summaryFile } = await stepEnv(inputs, ratio, extra);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', TSX, ENTRY], { cwd: dir, env, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 99) : 0, stdout, stderr }),
    );
  });
  return { code, stdout, stderr, summary: await readFile(summaryFile, 'utf8') };
}

/** The same entry point in this process: for the cases whose wiring the child processes above already prove. */
async function runInProcess(inputs: Record<string, string>, ratio = HEALTHY, extra: NodeJS.ProcessEnv = {}) {
  const { env, summaryFile } = await stepEnv(inputs, ratio, extra);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runAction({ env, out: (t) => stdout.push(t), err: (t) => stderr.push(t) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), summary: await readFile(summaryFile, 'utf8') };
}

// Each step starts a node process that compiles the CLI with tsx: a few seconds, far more on a
// loaded machine. So only one step per exit status runs this way, one after the other.
describe('the GitHub Action, run as the runner runs it', { timeout: 150_000 }, () => {
  it('passes a healthy service: exit 0, and the job summary holds the same table as the comment', async () => {
    const step = await runStep({ policy: 'policy.yml', 'prometheus-url': prometheus, mode: 'evaluate' });
    expect(step.stderr).toBe('');
    expect(step.code).toBe(0);
    expect(step.summary).toContain('### slo-gate evaluate: passed (exit 0)');
    expect(step.summary).toContain('| checkout-availability | 99.9% over 30d | █████░░░░░ 50% | 0.5× / 0.5× | 0.5× / 0.5× | ✅ ok |');
    expect(step.stdout).toContain('| checkout-availability | 99.9% over 30d |');
  });

  it('fails the step with exit 1 while the service burns its budget, and says why in the summary', async () => {
    const step = await runStep({ policy: 'policy.yml', 'prometheus-url': prometheus }, BURNING);
    expect(step.code).toBe(1);
    expect(step.summary).toContain('### slo-gate evaluate: blocked (exit 1)');
    expect(step.summary).toMatch(/\*\*20× \/ 20×\*\* 🔥/);
  });

  it('fails the step with exit 2, and a summary naming the problem, when the policy is invalid', async () => {
    await writeFile(join(dir, 'broken.yml'), POLICY.replace('ratio[{{.window}}]', 'sum(ratio[{{.window}}]'));
    const step = await runStep({ policy: 'broken.yml', 'prometheus-url': prometheus });
    expect(step.code).toBe(2);
    expect(step.summary).toContain('### slo-gate evaluate: could not decide (exit 2)');
    expect(step.summary).toContain('slos[0].sli.raw.errorRatioQuery, line 7: is not valid PromQL at column 23');
  });
});

describe('the GitHub Action in its other modes and failures', () => {
  it('refuses an unknown mode with exit 2, before running anything', async () => {
    const step = await runInProcess({ policy: 'policy.yml', mode: 'deploy' });
    expect(step.code).toBe(2);
    expect(step.stderr).toContain('input mode must be one of evaluate, backtest, validate, not "deploy"');
    expect(step.summary).toContain('input mode must be one of evaluate, backtest, validate');
  });

  it('fails the step with exit 2 when Prometheus cannot be reached', async () => {
    const step = await runInProcess({ policy: join(dir, 'policy.yml'), 'prometheus-url': 'http://127.0.0.1:9' });
    expect(step.code).toBe(2);
    expect(step.summary).toContain('could not decide (exit 2)');
  });

  it('validates without Prometheus in mode validate, warnings included, and exits 0', async () => {
    const step = await runInProcess({ policy: join(dir, 'policy.yml'), mode: 'validate' });
    expect(step.code).toBe(0);
    expect(step.summary).toContain('### slo-gate validate: passed (exit 0)');
    expect(step.summary).toContain('/policy.yml is valid: 1 SLO (checkout-availability)');
    expect(step.summary).toContain('warning: slos[0].sli.raw.errorRatioQuery');
  });

  it('replays the last 7 days in mode backtest, with range queries', async () => {
    asked.length = 0;
    const step = await runInProcess({ policy: join(dir, 'policy.yml'), 'prometheus-url': prometheus, mode: 'backtest', step: '1h' });
    expect(step.code).toBe(0);
    expect(step.summary).toContain('### slo-gate backtest: passed (exit 0)');
    expect(step.summary).toMatch(/```text\n[^]*\n```/);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((line) => line.startsWith('/api/v1/query_range '))).toBe(true);
  });

  it('still gates, and says so, when there is no job summary file', async () => {
    const step = await runInProcess({ policy: join(dir, 'policy.yml'), 'prometheus-url': prometheus }, BURNING, { GITHUB_STEP_SUMMARY: '' });
    expect(step.code).toBe(1);
    expect(step.stderr).toContain('GITHUB_STEP_SUMMARY is not set');
  });
});

describe('the inputs of the action', () => {
  const now = new Date('2026-12-02T10:00:00.123Z');

  it.each([
    ['nothing: evaluate the default policy', {}, ['evaluate', '--policy', '.github/slo-gate.yml']],
    [
      'an environment and a server, the dash kept as the runner keeps it',
      { 'INPUT_PROMETHEUS-URL': 'http://p:9090', INPUT_ENVIRONMENT: 'production' },
      ['evaluate', '--policy', '.github/slo-gate.yml', '--prometheus-url', 'http://p:9090', '--environment', 'production'],
    ],
    [
      'the underscore form action.yml passes',
      { INPUT_PROMETHEUS_URL: 'http://p:9090' },
      ['evaluate', '--policy', '.github/slo-gate.yml', '--prometheus-url', 'http://p:9090'],
    ],
    ['validate, which needs no server', { INPUT_MODE: 'validate', INPUT_POLICY: ' x.yml ' }, ['validate', 'x.yml']],
    [
      'backtest with no range: the last 7 days, to the second',
      { INPUT_MODE: 'backtest' },
      ['backtest', '--policy', '.github/slo-gate.yml', '--from', '2026-11-25T10:00:00Z', '--to', '2026-12-02T10:00:00Z', '--step', '5m'],
    ],
  ])('turns %s into the CLI arguments', (_name, env, argv) => {
    expect(argvFromInputs(env, now)).toEqual(argv);
  });

  it('refuses an environment with backtest, which replays every SLO', () => {
    expect(argvFromInputs({ INPUT_MODE: 'backtest', INPUT_ENVIRONMENT: 'production' }, now)).toMatch(/environment is for mode evaluate only/);
  });

  it('are the inputs action.yml declares and passes to the entry point', async () => {
    const action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      runs: { using: string; steps: Array<{ env?: Record<string, string>; run?: string }> };
    };
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['policy', 'prometheus-url', 'environment', 'mode']));
    expect(action.runs.using).toBe('composite');
    const env = action.runs.steps.find((step) => step.run?.includes('lib/action.js'))?.env ?? {};
    for (const name of Object.keys(action.inputs)) {
      expect(env[`INPUT_${name.toUpperCase().replaceAll('-', '_')}`]).toBe(`\${{ inputs.${name} }}`);
    }
  });
});

describe('the job summary', () => {
  it('keeps plain output in a code block that the output cannot close', () => {
    const text = summary('validate', ['a ```` fence'], '', 0);
    expect(text).toContain('`````text\na ```` fence\n`````');
  });
});

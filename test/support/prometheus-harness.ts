/**
 * A throwaway Prometheus holding synthetic counters, for tests and benchmarks: the data is written
 * as OpenMetrics text, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`
 * (its hidden `--max-block-duration` flag loads a month in about a second), and served by a
 * Prometheus that scrapes nothing, on a free port of 127.0.0.1, so a system Prometheus on :9090 is
 * never touched. Installs Debian's prometheus first when it is missing (scripts/ensure-prometheus.sh).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** From `from` (seconds relative to T0) until the next segment, this fraction of requests fail. */
export interface Segment {
  from: number;
  errorFraction: number;
}

/** One service: constant traffic, error fraction by segment. Its `name` is the `job` label. */
export interface SyntheticService {
  name: string;
  requestsPerSecond: number;
  segments: Segment[];
}

export interface Sampling {
  /** Seconds relative to T0 where the data starts and ends. */
  from: number;
  until: number;
  /** Samples every `coarseStep` seconds before `fineFrom`, every `fineStep` after. */
  fineFrom: number;
  coarseStep: number;
  fineStep: number;
}

export interface SyntheticPrometheus {
  url: string;
  /** T0 in Unix seconds. */
  t0: number;
  samples: number;
  /** What each step took, for the log. */
  timings: string;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_WITHIN_MS = 30_000;
const STDERR_KEPT = 16 * 1024;

const run = promisify(execFile);

/** Installs Prometheus if needed, writes and loads the counters, and starts the server. */
export async function startSyntheticPrometheus(
  services: SyntheticService[],
  sampling: Sampling,
  t0 = Math.floor(Date.now() / 60_000) * 60,
): Promise<SyntheticPrometheus> {
  const timings: string[] = [];
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    timings.push(`${step} ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return result;
  };
  const dir = await mkdtemp(join(tmpdir(), 'slo-gate-prometheus-'));
  let server: { child: ChildProcess; exited: Promise<void> } | undefined;
  const stop = async () => {
    if (server) {
      const { child, exited } = server;
      server = undefined;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const found = await timed('ensure', () => runTool('bash', [join(ROOT, 'scripts/ensure-prometheus.sh')], 110_000));
    const file = join(dir, 'counters.om');
    const tsdb = join(dir, 'tsdb');
    const samples = await timed('generate', () => writeOpenMetrics(file, t0, services, sampling));
    const megabytes = Math.round((await stat(file)).size / 1e6);
    await timed('promtool', () => runTool('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=744h', file, tsdb]));
    await rm(file);
    const started = await timed('start', () => startPrometheus(tsdb, join(dir, 'prometheus.yml')));
    server = started.server;
    return { url: started.url, t0, samples, timings: `${found.trim()}; ${megabytes} MB of OpenMetrics; ${timings.join(', ')}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function runTool(command: string, args: string[], timeout = 60_000): Promise<string> {
  try {
    const { stdout } = await run(command, args, { cwd: ROOT, timeout, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '', code, signal } = error as { stdout?: string; stderr?: string; code?: unknown; signal?: unknown };
    const output = `${stdout}${stderr}`.trim().slice(-4000);
    throw new Error(`${command} ${args.join(' ')} failed (${String(signal ?? `exit ${String(code)}`)}):\n${output}`, { cause: error });
  }
}

/** Writes both counters of every service, one series after the other, and returns the sample count. */
async function writeOpenMetrics(file: string, t0: number, services: SyntheticService[], sampling: Sampling): Promise<number> {
  const times: number[] = [];
  for (let t = sampling.from; t < sampling.fineFrom; t += sampling.coarseStep) times.push(t);
  for (let t = sampling.fineFrom; t <= sampling.until; t += sampling.fineStep) times.push(t);

  const out = await open(file, 'w');
  try {
    await out.write('# TYPE http_requests counter\n');
    for (const scenario of services) {
      for (const code of ['200', '500'] as const) {
        const series = `http_requests_total{job="${scenario.name}",code="${code}"}`;
        const lines = times.map((t) => `${series} ${format(requestsUntil(scenario, t, code))} ${t0 + t}\n`);
        await out.write(lines.join(''));
      }
    }
    await out.write('# EOF\n');
  } finally {
    await out.close();
  }
  return times.length * services.length * 2;
}

/** Requests answered with `code` between the start of the data and `t`: the counter's value. */
function requestsUntil(scenario: SyntheticService, t: number, code: '200' | '500'): number {
  let count = 0;
  scenario.segments.forEach((segment, index) => {
    const end = Math.min(t, scenario.segments[index + 1]?.from ?? Infinity);
    const seconds = Math.max(0, end - segment.from);
    count += seconds * (code === '500' ? segment.errorFraction : 1 - segment.errorFraction);
  });
  return count * scenario.requestsPerSecond;
}

/** Six decimals are exact for these rates, and keep the file small. */
function format(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}

async function startPrometheus(tsdb: string, config: string): Promise<{ url: string; server: { child: ChildProcess; exited: Promise<void> } }> {
  await writeFile(config, 'global:\n  evaluation_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${tsdb}`, '--storage.tsdb.retention.time=90d', `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  let failure: string | undefined;
  child.once('error', (error) => (failure = `prometheus could not be started: ${error.message}`));
  // 'close' also follows a failed spawn, where 'exit' never comes.
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      failure ??= `prometheus exited (${signal ?? `code ${code}`}) before it was ready`;
      resolve();
    }),
  );
  const server = { child, exited };
  // Should the test runner or benchmark itself die, do not leave the server behind.
  process.once('exit', () => child.kill('SIGKILL'));

  const deadline = Date.now() + READY_WITHIN_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    await sleep(100);
    if (failure) throw new Error(`${failure}:\n${stderr}`);
    try {
      const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.status === 200) return { url, server };
      lastProblem = `/-/ready answered HTTP ${response.status}`;
    } catch (error) {
      lastProblem = `/-/ready failed: ${String((error as Error).cause ?? (error as Error).message)}`;
    }
  }
  child.kill('SIGKILL');
  throw new Error(`prometheus was not ready on ${url} within ${READY_WITHIN_MS / 1000}s (${lastProblem}):\n${stderr}`);
}

/** A port nothing listens on right now (the kernel picks it), for a server to bind. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

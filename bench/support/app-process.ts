/**
 * slo-gate started the way its users start it: `probot run ./lib/index.js` in a child process,
 * configured by environment variables only, talking to a GitHub stub (GHE_HOST, GHE_PROTOCOL=http)
 * and to Prometheus. A fresh RSA key is made for each start and never written to disk.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../test/support/prometheus-harness.js';
import { sleep } from './stats.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Generous: on a loaded machine, loading the app alone has taken over 30 s. */
const READY_WITHIN_MS = 120_000;
const OUTPUT_KEPT = 256 * 1024;
const RSS_SAMPLE_MS = 200;
/** USER_HZ: /proc reports CPU time in these; 100 on every Linux architecture Node supports. */
const CLOCK_TICKS = 100;

const run = promisify(execFile);

export interface AppOptions {
  githubHost: string;
  prometheusUrl: string;
  /** QUERY_CACHE_TTL, e.g. `30s` or `0`; unset keeps the app's default. */
  queryCacheTtl?: string;
  /** RECHECK_INTERVAL, e.g. `30s`; unset keeps the app's default (5m). */
  recheckInterval?: string;
  webhookSecret: string;
  /** Where to listen; a free port when unset. */
  port?: number;
  /** More variables for the app (e.g. PUBLIC_URL), set last. */
  env?: Readonly<Record<string, string>>;
  /** The built app module probot runs; default lib/index.js of this working tree (see snapshot-build.ts for another commit's). */
  appEntry?: string;
}

export interface AppProcess {
  pid: number;
  port: number;
  webhookUrl: string;
  /** GET /metrics, parsed: `name{labels}` to value. */
  metrics(): Promise<Map<string, number>>;
  /** Highest VmRSS sampled and the kernel's own high-water mark (VmHWM), in bytes; CPU seconds used so far. */
  usage(): Promise<{ sampledPeakRss: number; hwm: number | undefined; cpuSeconds: number | undefined }>;
  /** Log lines at warn or above (JSON logs), and everything else the process printed, truncated. */
  output(): { warnings: string[]; tail: string };
  stop(): Promise<void>;
}

/**
 * The Node flags `npm start` runs the server with (package.json of the checkout the app was built
 * from), so the app measured here runs as users run it; the Dockerfile uses the same
 * (test/config/server-flags.test.ts). An older commit whose start script was `probot run` has none.
 */
export async function serverNodeFlags(root = ROOT): Promise<string[]> {
  const start = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /\b(?:node((?: --[^\s]+)*) node_modules\/probot\/bin\/probot\.js|probot) run /.exec(start);
  if (!match) throw new Error(`package.json's start script runs neither \`probot run\` nor \`node [flags] node_modules/probot/bin/probot.js run\`: ${start}`);
  return (match[1] ?? '').split(' ').filter(Boolean);
}

/** Runs `npm run build` when lib/ is missing or older than any file under src/. */
export async function buildIfStale(log: (line: string) => void): Promise<void> {
  const built = await stat(join(ROOT, 'lib/index.js')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const newest = await newestMtime(join(ROOT, 'src'));
  if (built >= newest) return;
  log('lib/ is older than src/: npm run build');
  await run('npm', ['run', 'build'], { cwd: ROOT, timeout: 120_000 });
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtime(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

export async function startApp(options: AppOptions): Promise<AppProcess> {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const port = options.port ?? (await freePort());
  // An empty working directory: Probot copies a .env from its working directory over the
  // environment (Object.assign), so a developer's .env in the repository would change the run.
  const cwd = await mkdtemp(join(tmpdir(), 'slo-gate-bench-app-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ID: '4242',
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: options.webhookSecret,
    PORT: String(port),
    // Probot listens on "localhost" by default, which may resolve to ::1 only; the benchmark talks to 127.0.0.1.
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    PROMETHEUS_URL: options.prometheusUrl,
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: 'http',
  };
  if (options.queryCacheTtl !== undefined) env.QUERY_CACHE_TTL = options.queryCacheTtl;
  if (options.recheckInterval !== undefined) env.RECHECK_INTERVAL = options.recheckInterval;
  Object.assign(env, options.env);
  const entry = options.appEntry ?? join(ROOT, 'lib/index.js');
  const flags = await serverNodeFlags(options.appEntry ? join(dirname(entry), '..') : ROOT);
  const child: ChildProcess = spawn(process.execPath, [...flags, join(ROOT, 'node_modules/probot/bin/probot.js'), 'run', entry], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const warnings: string[] = [];
  const keep = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_KEPT);
    for (const line of chunk.split('\n')) {
      const level = /"level":(\d+)/.exec(line)?.[1];
      if (level && Number(level) >= 40) warnings.push(line.slice(0, 600));
    }
  };
  child.stdout!.setEncoding('utf8').on('data', keep);
  child.stderr!.setEncoding('utf8').on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let alive = true;
  void exited.then(() => (alive = false));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let sampledPeakRss = 0;
  const sampler = setInterval(() => {
    void readStatus(child.pid!).then(
      (s) => (sampledPeakRss = Math.max(sampledPeakRss, s.rss ?? 0)),
      () => undefined,
    );
  }, RSS_SAMPLE_MS);
  sampler.unref();

  const stop = async () => {
    clearInterval(sampler);
    if (alive) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    process.off('exit', killOnExit);
    await rm(cwd, { recursive: true, force: true });
  };

  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + READY_WITHIN_MS;
    for (;;) {
      if (!alive) throw new Error(`the app exited before it was ready:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`the app did not answer /healthz within ${READY_WITHIN_MS / 1000} s:\n${output.slice(-4000)}`);
      const ok = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1000) }).then(
        async (r) => (await r.text(), r.status === 200),
        () => false,
      );
      if (ok) break;
      await sleep(100);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    pid: child.pid!,
    port,
    webhookUrl: `${base}/api/github/webhooks`,
    async metrics() {
      const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) });
      return parseMetrics(await response.text());
    },
    async usage() {
      const status = await readStatus(child.pid!).catch(() => ({ rss: undefined, hwm: undefined }));
      const cpuSeconds = await readFile(`/proc/${child.pid}/stat`, 'utf8').then(
        (text) => {
          // utime and stime are fields 14 and 15 of /proc/PID/stat; count from after the command name, which may hold spaces.
          const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
          return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
        },
        () => undefined,
      );
      return { sampledPeakRss: Math.max(sampledPeakRss, status.rss ?? 0), hwm: status.hwm, cpuSeconds };
    },
    output: () => ({ warnings, tail: output }),
    stop,
  };
}

async function readStatus(pid: number): Promise<{ rss: number | undefined; hwm: number | undefined }> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** Prometheus text format, enough for counters and gauges: `name{labels} value` per line. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = /^(\S+?(?:\{[^}]*\})?)\s+(\S+)$/.exec(line.trim());
    if (match) values.set(match[1]!, Number(match[2]));
  }
  return values;
}

/** The sum of every series of a metric (all label values), 0 when absent. */
export function metricSum(metrics: Map<string, number>, name: string, labels?: string): number {
  let sum = 0;
  for (const [key, value] of metrics) {
    const [metric, rest = ''] = key.split('{');
    if (metric === name && (labels === undefined || rest.includes(labels))) sum += value;
  }
  return sum;
}

/**
 * Starts a throwaway redis-server for the Redis store's integration tests, and stops it
 * afterwards: on a free port of 127.0.0.1 (a system Redis on :6379 is never touched), without
 * persistence, its working directory a temporary one. Installs Debian's redis-server first when
 * it is missing (scripts/ensure-redis.sh). The tests read the URL with `inject('redisUrl')`, and
 * each uses its own key prefix, so test files can share the server and run in parallel.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { freePort } from '../support/prometheus-harness.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the test Redis, e.g. redis://127.0.0.1:41234. */
    redisUrl: string;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_WITHIN_MS = 10_000;
const PORT_TRIES = 3;
const OUTPUT_KEPT = 16 * 1024;

const run = promisify(execFile);
let server: { child: ChildProcess; exited: Promise<void> } | undefined;
let workDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  try {
    const found = await ensureRedis();
    const ensured = Date.now();
    const dir = (workDir = await mkdtemp(join(tmpdir(), 'slo-gate-redis-')));
    const url = await startRedis(dir);
    project.provide('redisUrl', url);
    console.log(`${found.trim()}\nredis at ${url}; ensure ${seconds(ensured - started)}, start ${seconds(Date.now() - ensured)}`);
  } catch (error) {
    await teardown();
    throw error;
  }
}

export async function teardown(): Promise<void> {
  if (server) {
    await stop(server);
    server = undefined;
  }
  if (workDir) {
    await rm(workDir, { recursive: true, force: true });
    workDir = undefined;
  }
}

async function ensureRedis(): Promise<string> {
  const script = join(ROOT, 'scripts/ensure-redis.sh');
  try {
    const { stdout } = await run('bash', [script], { cwd: ROOT, timeout: 110_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '', code, signal } = error as { stdout?: string; stderr?: string; code?: unknown; signal?: unknown };
    const output = `${stdout}${stderr}`.trim().slice(-4000);
    throw new Error(`bash ${script} failed (${String(signal ?? `exit ${String(code)}`)}):\n${output}`, { cause: error });
  }
}

/** Another process may take the free port before redis binds it: then try a new one. */
async function startRedis(dir: string): Promise<string> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= PORT_TRIES; attempt++) {
    const port = await freePort();
    try {
      await launch(dir, port);
      return `redis://127.0.0.1:${port}`;
    } catch (error) {
      lastError = error;
      if (!/Address already in use/i.test((error as Error).message)) throw error;
    }
  }
  throw lastError;
}

async function launch(dir: string, port: number): Promise<void> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: string) => (output = (output + chunk).slice(-OUTPUT_KEPT));
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  let failure: string | undefined;
  child.once('error', (error) => (failure = `redis-server could not be started: ${error.message}`));
  // 'close' also follows a failed spawn, where 'exit' never comes.
  const exited = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      failure ??= `redis-server exited (${signal ?? `code ${code}`}) before it was ready`;
      resolve();
    }),
  );
  const started = { child, exited };
  server = started;
  // Should vitest itself die, do not leave the server behind.
  process.once('exit', () => child.kill('SIGKILL'));

  const deadline = Date.now() + READY_WITHIN_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (failure) break;
    try {
      if ((await ping(port)) === '+PONG') return;
      lastProblem = 'PING was not answered with PONG';
    } catch (error) {
      lastProblem = `PING failed: ${(error as Error).message}`;
    }
    await sleep(20);
  }
  await stop(started);
  server = undefined;
  throw new Error(`${failure ?? `redis-server was not ready on 127.0.0.1:${port} within ${READY_WITHIN_MS / 1000}s (${lastProblem})`}:\n${output}`);
}

/** Sends PING over a plain socket and returns the first reply line, e.g. `+PONG`. */
function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timed out')));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error(`connection closed after ${JSON.stringify(reply)}`)));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.split('\r\n')[0] ?? '');
      }
    });
  });
}

async function stop({ child, exited }: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)}s`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

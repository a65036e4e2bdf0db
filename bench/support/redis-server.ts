/**
 * A throwaway redis-server for the benchmarks that run replicas: a free port of 127.0.0.1, no
 * persistence, a temporary working directory. Installs Debian's package first when it is missing
 * (scripts/ensure-redis.sh).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../test/support/prometheus-harness.js';
import { ROOT } from './app-process.js';
import { sleep } from './stats.js';

const run = promisify(execFile);

export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  await run('bash', [join(ROOT, 'scripts/ensure-redis.sh')], { cwd: ROOT, timeout: 110_000 });
  const dir = await mkdtemp(join(tmpdir(), 'slo-gate-bench-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
    process.off('exit', killOnExit);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer on 127.0.0.1:${port} within 10 s`);
    }
    await sleep(100);
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.end('PING\r\n'));
    socket.once('data', (data) => resolve(data.toString().startsWith('+PONG')));
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

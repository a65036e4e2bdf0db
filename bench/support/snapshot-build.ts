/**
 * Builds the app as one commit has it, apart from the shared working tree (where others' edits in
 * progress may not even compile): `git archive <rev>` into a temporary directory, node_modules
 * linked from this checkout, `tsc -p tsconfig.build.json`. Benchmarks then run exactly what landed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './app-process.js';

const run = promisify(execFile);

export interface SnapshotBuild {
  /** The full commit id and its subject line. */
  commit: string;
  subject: string;
  /** lib/index.js of the build, for startApp's appEntry. */
  appEntry: string;
  remove(): Promise<void>;
}

export async function buildSnapshot(rev: string, log: (line: string) => void): Promise<SnapshotBuild> {
  const commit = (await run('git', ['rev-parse', '--verify', `${rev}^{commit}`], { cwd: ROOT })).stdout.trim();
  const subject = (await run('git', ['log', '-1', '--format=%s', commit], { cwd: ROOT })).stdout.trim();
  const dir = await mkdtemp(join(tmpdir(), `slo-gate-bench-${commit.slice(0, 7)}-`));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    log(`building ${commit.slice(0, 7)} (${subject}) in ${dir}`);
    await run('bash', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'archive', ROOT, commit, dir], { timeout: 60_000 });
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, timeout: 180_000 });
    return { commit, subject, appEntry: join(dir, 'lib/index.js'), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

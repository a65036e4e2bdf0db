/**
 * `npm start` and the container image run the server with the same Node flags, and with the
 * smaller young generation the burst benchmark measured (docs/BENCHMARKS.md): an image that drifted
 * from `npm start` would run with memory nobody measured.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

function startFlags(): string[] {
  const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const command = /&& (node .*)$/.exec(start)?.[1];
  expect(command, 'npm start builds, then runs node on probot').toMatch(/^node( --\S+)* node_modules\/probot\/bin\/probot\.js run \.\/lib\/index\.js$/);
  return command!.split(' ').slice(1, -3);
}

function imageFlags(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('Dockerfile', root), 'utf8'))?.[1];
  const argv = JSON.parse(cmd ?? '[]') as string[];
  expect(argv.slice(-3), "the image's CMD runs probot on lib/").toEqual(['node_modules/probot/bin/probot.js', 'run', './lib/index.js']);
  expect(argv[0]).toBe('node');
  return argv.slice(1, -3);
}

describe('how the server is started', () => {
  it('uses the same Node flags in npm start and in the container image', () => {
    expect(imageFlags()).toEqual(startFlags());
  });

  it('runs V8 for memory, as the memory figures were measured', () => {
    expect(startFlags()).toEqual(expect.arrayContaining(['--max-semi-space-size=4', '--optimize-for-size']));
  });
});

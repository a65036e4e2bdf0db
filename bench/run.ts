/**
 * `npm run bench`: runs every benchmark against real servers on this machine and writes the
 * figures to docs/BENCHMARKS.md. `npm run bench -- NAME...` runs only the named ones and prints
 * their sections without touching the file. Never part of `npm test`: figures are read, not asserted.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { backtestSpeed } from './backtest-speed.js';
import { decisionQuality } from './decision-quality.js';
import { speedAndCost } from './load.js';
import type { Benchmark, BenchSection } from './section.js';

const BENCHMARKS: Record<string, Benchmark> = {
  decision: decisionQuality,
  load: speedAndCost,
  backtest: backtestSpeed,
};

const OUTPUT = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));

async function main(names: string[]): Promise<void> {
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  const chosen = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const sections: BenchSection[] = [];
  for (const name of chosen) {
    const started = Date.now();
    log(`${name}: starting`);
    sections.push(await BENCHMARKS[name]!({ log: (line) => log(`${name}: ${line}`) }));
    log(`${name}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  const body = sections.map((s) => `## ${s.title}\n\n${s.markdown.trim()}\n`).join('\n');
  if (names.length > 0) {
    process.stdout.write(body);
    return;
  }
  await writeFile(OUTPUT, `${header()}\n${body}`);
  log(`wrote ${OUTPUT}`);
}

function header(): string {
  const cpu = cpus();
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (see `bench/`); do not edit by hand. Every figure comes from real',
    'servers started on this machine: the app as `probot run` starts it, a real Prometheus loaded',
    'with synthetic counters, and a local GitHub stub. Run it again to reproduce.',
    '',
    `Measured on ${new Date().toISOString().slice(0, 10)}: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}),`,
    `${Math.round(totalmem() / 2 ** 30)} GiB memory, Node.js ${process.version}, ${process.platform}/${process.arch}.`,
    '',
  ].join('\n');
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});

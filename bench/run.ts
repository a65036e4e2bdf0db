/**
 * `npm run bench`: runs every benchmark against real servers on this machine and writes the
 * figures to docs/BENCHMARKS.md. `npm run bench -- NAME...` runs only the named ones and prints
 * their sections without touching the file; `npm run bench -- NAME... --write` replaces only their
 * sections in the file. Never part of `npm test`: figures are read, not asserted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { backtestSpeed } from './backtest-speed.js';
import { decisionQuality } from './decision-quality.js';
import { deployments } from './deployments.js';
import { detailsPage } from './details-page.js';
import { speedAndCost } from './load.js';
import { orgIncident } from './org-incident.js';
import type { Benchmark, BenchSection } from './section.js';

const BENCHMARKS: Record<string, Benchmark> = {
  decision: decisionQuality,
  load: speedAndCost,
  backtest: backtestSpeed,
  deployments,
  org: orgIncident,
  details: detailsPage,
};

const OUTPUT = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));

async function main(args: string[]): Promise<void> {
  const write = args.includes('--write');
  const names = args.filter((a) => a !== '--write');
  if (write && names.length === 0) throw new Error('--write replaces the named sections: name at least one benchmark');
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
  if (write) {
    await writeFile(
      OUTPUT,
      sections.reduce((text, s) => replaceSection(text, s), await readFile(OUTPUT, 'utf8')),
    );
    log(`replaced ${sections.length} section(s) in ${OUTPUT}`);
    return;
  }
  if (names.length > 0) {
    process.stdout.write(body);
    return;
  }
  await writeFile(OUTPUT, `${header()}\n${body}`);
  log(`wrote ${OUTPUT}`);
}

/** Replaces the `## title` section (up to the next `## ` heading) in the file's text, or appends it. */
function replaceSection(text: string, section: BenchSection): string {
  const heading = `## ${section.title}\n`;
  const fresh = `${heading}\n${section.markdown.trim()}\n`;
  const start = text.indexOf(heading);
  if (start < 0) return `${text.trimEnd()}\n\n${fresh}`;
  const next = text.indexOf('\n## ', start + heading.length);
  return next < 0 ? `${text.slice(0, start)}${fresh}` : `${text.slice(0, start)}${fresh}${text.slice(next)}`;
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

import { pathToFileURL } from 'node:url';

/** What one benchmark hands to bench/run.ts, which writes docs/BENCHMARKS.md from the sections. */
export interface BenchSection {
  /** `## ` heading text. */
  title: string;
  /** Markdown body: the figures, how they were measured, and what they mean. */
  markdown: string;
}

export interface BenchContext {
  /** Progress for the person running `npm run bench` (stderr). */
  log: (line: string) => void;
}

export type Benchmark = (context: BenchContext) => Promise<BenchSection>;

/** Lets a benchmark module run on its own (`npx tsx bench/NAME.ts`): prints its section, exits 1 on failure. */
export function runWhenMain(moduleUrl: string, benchmark: Benchmark): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const stamp = () => new Date().toISOString().slice(11, 19);
  benchmark({ log: (line) => process.stderr.write(`${stamp()} ${line}\n`) }).then(
    (section) => process.stdout.write(`## ${section.title}\n\n${section.markdown.trim()}\n`),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

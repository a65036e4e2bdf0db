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

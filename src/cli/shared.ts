import { readFile } from 'node:fs/promises';
import type { PrometheusOptions } from '../metrics/prometheus-client.js';
import type { RangeSource } from '../metrics/range-source.js';
import type { MetricsSource } from '../metrics/source.js';
import { parsePolicyText } from '../policy/parse-policy.js';
import { readLocalSloSources } from './slo-source-files.js';
import type { Policy } from '../policy/schema.js';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Builds the metrics source; tests swap it. */
  metrics?: (options: PrometheusOptions) => MetricsSource;
  /** Builds the range source for `backtest`; tests swap it. */
  range?: (options: PrometheusOptions) => RangeSource;
  /** The clock, read only at this edge; tests fix it. */
  now?: () => Date;
}

/**
 * One subcommand. `usage` is what `slo-gate NAME --help` prints: the synopsis first (the
 * top-level help lists it), then what it does, its options, examples and exit status.
 */
export interface Command {
  usage: string;
  run: (args: string[], io: CliIo) => Promise<number>;
}

/** `-h` or `--help` anywhere before a `--`: answered before the options are parsed, so it works with any others. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '-h' || arg === '--help');
}

/** Exit codes: the gate passed, blocked, or could not decide (bad input, missing data). */
export const EXIT = { pass: 0, block: 1, error: 2 } as const;

export async function readPolicy(file: string): Promise<Policy> {
  return policyFromText(await readPolicyText(file));
}

export async function readPolicyText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}

/** A policy file's text, validated, with the Sloth and OpenSLO files it points at read from disk. */
export async function policyFromText(text: string): Promise<Policy> {
  return parsePolicyText(text, await readLocalSloSources(text));
}

const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * An RFC 3339 time: a date, a time with seconds, and an offset (`Z` or `+02:00`). Without an
 * offset the time would be read in the machine's zone, so it is refused, as is a day that does
 * not exist (Date would roll 2026-02-30 over into March).
 */
export function parseTime(option: string, text: string): Date {
  const match = RFC_3339.exec(text);
  const [year, month, day, hour, minute, second] = (match?.slice(1, 7) ?? []).map(Number);
  const exists =
    match !== null &&
    month! >= 1 &&
    month! <= 12 &&
    new Date(Date.UTC(year!, month! - 1, day)).getUTCDate() === day &&
    hour! <= 23 &&
    minute! <= 59 &&
    second! <= 59;
  const date = exists ? new Date(`${match.slice(1, 4).join('-')}T${match.slice(4, 7).join(':')}${match[7] ?? ''}${match[8]!.toUpperCase()}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw usageError(`${option} must be an RFC 3339 time such as 2026-11-22T10:00:00Z, not "${text}"`);
  return date;
}

export function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'SLO_GATE_USAGE' });
}

export function isUsageError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SLO_GATE_USAGE' || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

/**
 * The GitHub Action's entry point (action.yml): runs one CLI subcommand with the step's inputs,
 * prints what it prints to the job log, writes it to the job summary, and exits with the CLI's
 * status (0 pass, 1 block, 2 error), which is what fails the step.
 *
 * Inputs arrive the runner's way: `INPUT_<NAME>`, the name upper-cased with dashes kept
 * (`INPUT_PROMETHEUS-URL`; the underscore form `INPUT_PROMETHEUS_URL` is read too). action.yml sets
 * them itself, because a composite action's steps do not get them from the runner. Credentials for Prometheus come from the step's `env:`, as for the CLI
 * ($PROMETHEUS_BEARER_TOKEN, $PROMETHEUS_BASIC_AUTH, $PROMETHEUS_HEADERS), never from an input,
 * so they stay out of the workflow file.
 */
import { appendFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { run, type CliIo } from './cli.js';
import { EXIT } from './cli/shared.js';
import { POLICY_PATH } from './policy/parse-policy.js';

export const MODES = ['evaluate', 'backtest', 'validate'] as const;
/** How far back `mode: backtest` replays when `from` is not given. */
const DEFAULT_BACKTEST_DAYS = 7;
/** GitHub refuses a step summary over 1 MiB; stay well inside it. */
const MAX_SUMMARY_BYTES = 512 * 1024;

export interface ActionIo extends Pick<CliIo, 'metrics' | 'range'> {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  now?: () => Date;
}

/** One step of the action. Returns the exit status; never throws for bad input. */
export async function runAction(io: ActionIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  const argv = argvFromInputs(io.env, now());
  if (typeof argv === 'string') {
    io.err(`slo-gate: ${argv}`);
    await writeSummary(io, summary('invalid input', [], argv, EXIT.error));
    return EXIT.error;
  }
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    env: io.env,
    out: (text) => (out.push(text), io.out(text)),
    err: (text) => (err.push(text), io.err(text)),
    now,
    ...(io.metrics ? { metrics: io.metrics } : {}),
    ...(io.range ? { range: io.range } : {}),
  });
  await writeSummary(io, summary(argv[0]!, out, err.join('\n'), code));
  return code;
}

/** The CLI's arguments for the step's inputs, or what is wrong with them. */
export function argvFromInputs(env: NodeJS.ProcessEnv, now: Date): string[] | string {
  // The runner's name keeps the dash; action.yml passes the underscore form, which a shell can read too.
  const input = (name: string) => (env[`INPUT_${name.toUpperCase()}`] ?? env[`INPUT_${name.toUpperCase().replaceAll('-', '_')}`])?.trim() ?? '';
  const mode = input('mode') || 'evaluate';
  if (!(MODES as readonly string[]).includes(mode)) return `input mode must be one of ${MODES.join(', ')}, not ${JSON.stringify(mode.slice(0, 40))}`;
  const policy = input('policy') || POLICY_PATH;
  if (mode === 'validate') return ['validate', policy];
  const url = input('prometheus-url');
  const server = url ? ['--prometheus-url', url] : [];
  const environment = input('environment');
  if (mode === 'evaluate') return ['evaluate', '--policy', policy, ...server, ...(environment ? ['--environment', environment] : [])];
  if (environment) return 'input environment is for mode evaluate only: backtest replays every SLO of the policy';
  const to = input('to') || now.toISOString().replace(/\.\d+Z$/, 'Z');
  const from = input('from') || new Date(Date.parse(to) - DEFAULT_BACKTEST_DAYS * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
  return ['backtest', '--policy', policy, ...server, '--from', from, '--to', to, '--step', input('step') || '5m'];
}

/**
 * Markdown for the job summary. `evaluate` prints the comment's own headline, reasons and table,
 * which are Markdown already; the other modes print plain text, kept as written in a code block.
 */
export function summary(mode: string, out: readonly string[], err: string, code: number): string {
  const verdict = code === EXIT.pass ? 'passed' : code === EXIT.block ? 'blocked' : 'could not decide';
  const parts = [`### slo-gate ${mode}: ${verdict} (exit ${code})`, ''];
  if (out.length > 0) parts.push(mode === 'evaluate' ? out.join('\n') : fenced(out.join('\n')), '');
  if (err) parts.push(fenced(err), '');
  return bounded(parts.join('\n'));
}

/** A code block whose fence is longer than any run of backticks in the text, so the text cannot close it. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

function bounded(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_SUMMARY_BYTES) return text;
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, MAX_SUMMARY_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}\n\n… cut at ${MAX_SUMMARY_BYTES / 1024} KiB: the job log has all of it.\n`;
}

/** Appends to $GITHUB_STEP_SUMMARY. Failing to write it is said in the log, and changes no verdict. */
async function writeSummary(io: ActionIo, markdown: string): Promise<void> {
  const file = io.env.GITHUB_STEP_SUMMARY?.trim();
  if (!file) {
    io.err('slo-gate: GITHUB_STEP_SUMMARY is not set, so there is no job summary (outside GitHub Actions?)');
    return;
  }
  try {
    await appendFile(file, `${markdown}\n`);
  } catch (error) {
    io.err(`slo-gate: could not write the job summary to ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runAction({
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  });
}

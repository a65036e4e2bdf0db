import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadOperatorConfig } from './config.js';
import { ConfigError, PolicyError, formatProblem } from './errors.js';
import { evaluate } from './evaluate.js';
import { createPrometheusClient, type PrometheusOptions } from './metrics/prometheus-client.js';
import type { MetricsSource } from './metrics/source.js';
import { parsePolicyText, POLICY_PATH } from './policy/parse-policy.js';
import type { Policy } from './policy/schema.js';
import { describeReport, sentence } from './render/describe.js';
import { renderTable } from './render/table.js';

/** Exit codes: the gate passed, blocked, or could not decide (bad input, missing data). */
export const EXIT = { pass: 0, block: 1, error: 2 } as const;

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Builds the metrics source; tests swap it. */
  metrics?: (options: PrometheusOptions) => MetricsSource;
}

const USAGE = `Usage:
  slo-gate evaluate [--policy FILE] [--prometheus-url URL] [--at TIME]
      Evaluates the policy against Prometheus now (or at an RFC 3339 TIME) and prints the verdict.
      FILE defaults to ${POLICY_PATH}; the URL defaults to $PROMETHEUS_URL. Credentials come from
      $PROMETHEUS_BEARER_TOKEN, $PROMETHEUS_BASIC_AUTH and $PROMETHEUS_HEADERS.
      Exit status: 0 pass, 1 block, 2 error (invalid policy, missing data, unreachable server).
  slo-gate validate [FILE]
      Checks a policy file and lists every problem. Exit status: 0 valid, 2 invalid.`;

/** The command-line twin of the app: same policy, same engine, same table. Returns the exit status. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'evaluate':
        return await evaluateCommand(rest, io);
      case 'validate':
        return await validateCommand(rest, io);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.out(USAGE);
        return command === undefined ? EXIT.error : EXIT.pass;
      default:
        io.err(`slo-gate: unknown command "${command}"\n\n${USAGE}`);
        return EXIT.error;
    }
  } catch (error) {
    if (error instanceof PolicyError) {
      io.err(`slo-gate: the policy is invalid:\n${error.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    } else if (error instanceof ConfigError || isUsageError(error)) {
      io.err(`slo-gate: ${(error as Error).message}\n\n${USAGE}`);
    } else {
      io.err(`slo-gate failed: ${(error as Error).message ?? String(error)}`);
    }
    return EXIT.error;
  }
}

async function evaluateCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { policy: { type: 'string', default: POLICY_PATH }, 'prometheus-url': { type: 'string' }, at: { type: 'string' } },
    strict: true,
  });
  const at = values.at === undefined ? undefined : parseTime(values.at);
  const policy = await readPolicy(values.policy!);
  const env = values['prometheus-url'] ? { ...io.env, PROMETHEUS_URL: values['prometheus-url'] } : io.env;
  const { prometheus } = loadOperatorConfig(env);
  const metrics = (io.metrics ?? createPrometheusClient)(prometheus);
  const verdict = await evaluate({ policy, metrics, at });
  const report = { kind: 'verdict', verdict } as const;
  io.out(describeReport(report));
  if (verdict.assessment.reasons.length > 0) io.out(`\n${verdict.assessment.reasons.map((r) => `- ${sentence(r)}`).join('\n')}`);
  io.out(`\n${renderTable(verdict)}`);
  // The same answer the commit status would give: in warn mode that is a pass.
  return { success: EXIT.pass, failure: EXIT.block, error: EXIT.error }[verdict.state];
}

async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw usageError('validate takes one FILE');
  const file = positionals[0] ?? POLICY_PATH;
  const policy = await readPolicy(file);
  io.out(`${file} is valid: ${policy.slos.length} SLO${policy.slos.length === 1 ? '' : 's'} (${policy.slos.map((s) => s.name).join(', ')}), mode ${policy.mode}, onMissingData ${policy.onMissingData}.`);
  return EXIT.pass;
}

async function readPolicy(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return parsePolicyText(text);
}

function parseTime(text: string): Date {
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(date.getTime())) throw usageError(`--at must be an RFC 3339 time such as 2026-11-22T10:00:00Z, not "${text}"`);
  return date;
}

function usageError(message: string): Error {
  return Object.assign(new Error(message), { code: 'SLO_GATE_USAGE' });
}

function isUsageError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'SLO_GATE_USAGE' || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

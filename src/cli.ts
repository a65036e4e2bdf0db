import { parseArgs } from 'node:util';
import { backtestCommand } from './cli/backtest-command.js';
import { EXIT, isUsageError, parseTime, readPolicy, usageError } from './cli/shared.js';
import { loadOperatorConfig } from './config.js';
import { ConfigError, PolicyError, formatProblem } from './errors.js';
import { evaluate } from './evaluate.js';
import { createPrometheusClient, type PrometheusOptions } from './metrics/prometheus-client.js';
import type { RangeSource } from './metrics/range-source.js';
import type { MetricsSource } from './metrics/source.js';
import { findEnvironment, policyForEnvironment } from './policy/environments.js';
import { POLICY_PATH } from './policy/parse-policy.js';
import type { Policy } from './policy/schema.js';
import { describeReport, sentence } from './render/describe.js';
import { renderTable } from './render/table.js';

export { EXIT } from './cli/shared.js';

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

const USAGE = `Usage:
  slo-gate evaluate [--policy FILE] [--environment NAME] [--prometheus-url URL] [--at TIME]
      Evaluates the policy against Prometheus now (or at an RFC 3339 TIME) and prints the verdict.
      With --environment, only the SLOs that gate that environment (the policy's \`environments:\`).
      FILE defaults to ${POLICY_PATH}; the URL defaults to $PROMETHEUS_URL. Credentials come from
      $PROMETHEUS_BEARER_TOKEN, $PROMETHEUS_BASIC_AUTH and $PROMETHEUS_HEADERS.
      Exit status: 0 pass, 1 block, 2 error (invalid policy, missing data, unreachable server).
  slo-gate backtest [--policy FILE] --from TIME --to TIME [--step 5m] [--json] [--prometheus-url URL]
      Replays the policy, as if enforced, every STEP (15s or more) from one RFC 3339 TIME to another,
      and lists when it would have blocked and why. Exit status: 0 it ran, 2 error.
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
      case 'backtest':
        return await backtestCommand(rest, io);
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
    options: {
      policy: { type: 'string', default: POLICY_PATH },
      environment: { type: 'string' },
      'prometheus-url': { type: 'string' },
      at: { type: 'string' },
    },
    strict: true,
  });
  const at = values.at === undefined ? undefined : parseTime('--at', values.at);
  const whole = await readPolicy(values.policy);
  const environment = values.environment === undefined ? undefined : findEnvironment(whole, values.environment);
  if (values.environment !== undefined && !environment) {
    io.err(`slo-gate: ${values.policy} gates no environment named ${JSON.stringify(values.environment)}; ${knownEnvironments(whole)}`);
    return EXIT.error;
  }
  const policy = environment ? policyForEnvironment(whole, environment) : whole;
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

function knownEnvironments(policy: Policy): string {
  const names = Object.keys(policy.environments);
  return names.length > 0
    ? `it gates: ${names.map((n) => JSON.stringify(n)).join(', ')} (names match whatever their case)`
    : 'it lists no `environments:`, so it gates none';
}

async function validateCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw usageError('validate takes one FILE');
  const file = positionals[0] ?? POLICY_PATH;
  const policy = await readPolicy(file);
  io.out(
    `${file} is valid: ${policy.slos.length} SLO${policy.slos.length === 1 ? '' : 's'} (${policy.slos.map((s) => s.name).join(', ')}), mode ${policy.mode}, onMissingData ${policy.onMissingData}.`,
  );
  return EXIT.pass;
}

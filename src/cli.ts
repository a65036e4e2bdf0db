import { backtestCommand } from './cli/backtest-command.js';
import { evaluateCommand } from './cli/evaluate-command.js';
import { importCommand } from './cli/import-command.js';
import { EXIT, isUsageError, wantsHelp, type CliIo, type Command } from './cli/shared.js';
import { validateCommand } from './cli/validate-command.js';
import { ConfigError, PolicyError, formatProblem } from './errors.js';

export { EXIT } from './cli/shared.js';
export type { CliIo, Command } from './cli/shared.js';

/**
 * Every subcommand, by name. A new one is one line here and a file in src/cli/ exporting a
 * `Command`; its `--help` is then answered, listed in `slo-gate --help`, and tested
 * (test/cli/help.test.ts loops over this table).
 */
export const COMMANDS: Record<string, Command> = {
  evaluate: evaluateCommand,
  backtest: backtestCommand,
  validate: validateCommand,
  import: importCommand,
};

/** `slo-gate --help`: each subcommand's synopsis, the first line of its usage. */
export function overallUsage(): string {
  const synopses = Object.values(COMMANDS).map((command) => `  ${command.usage.split('\n')[0]}`);
  return `Usage:\n${synopses.join('\n')}\n\nRun \`slo-gate COMMAND --help\` for what a command does, its options, examples and exit status.`;
}

/** The command-line twin of the app: same policy, same engine, same table. Returns the exit status. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.out(overallUsage());
      return name === undefined ? EXIT.error : EXIT.pass;
    }
    io.err(`slo-gate: unknown command "${name}"\n\n${overallUsage()}`);
    return EXIT.error;
  }
  if (wantsHelp(rest)) {
    io.out(`Usage:\n  ${command.usage}`);
    return EXIT.pass;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof PolicyError) {
      io.err(`slo-gate: the policy is invalid:\n${error.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`);
    } else if (error instanceof ConfigError || isUsageError(error)) {
      io.err(`slo-gate: ${(error as Error).message}\n\nUsage:\n  ${command.usage}`);
    } else {
      io.err(`slo-gate failed: ${(error as Error).message ?? String(error)}`);
    }
    return EXIT.error;
  }
}

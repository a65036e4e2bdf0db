import { parseArgs } from 'node:util';
import { formatProblem } from '../errors.js';
import { parseBoundedYaml } from '../policy/bounded-yaml.js';
import { formatPath, POLICY_PATH } from '../policy/parse-policy.js';
import { policyWarnings } from '../policy/promql-lint.js';
import { checkGlobsAgainstCheckout } from './paths-check.js';
import { EXIT, policyFromText, readPolicyText, usageError, type CliIo, type Command } from './shared.js';

const USAGE = `slo-gate validate [FILE]
    Checks a policy file (default ${POLICY_PATH}) and lists every problem with its key path and
    line, PromQL that does not parse included. Then it lists warnings: PromQL that parses but is
    probably a mistake (rate() of a gauge, a query that may return several series, {{.window}}
    outside a range selector). Warnings never make a policy invalid. No network access.
  Examples:
    slo-gate validate
    slo-gate validate deploy/slo-gate.yml
  Exit status: 0 valid (with or without warnings), 2 invalid or unreadable.`;

/** `slo-gate validate`: what the app would say about this policy, before it is committed. */
export const validateCommand: Command = { usage: USAGE, run: validatePolicy };

async function validatePolicy(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  if (positionals.length > 1) throw usageError('validate takes one FILE');
  const file = positionals[0] ?? POLICY_PATH;
  const text = await readPolicyText(file);
  const policy = await policyFromText(text);
  await checkGlobsAgainstCheckout(policy, text, file, io); // slos[].paths that match no file of this checkout
  io.out(
    `${file} is valid: ${policy.slos.length} SLO${policy.slos.length === 1 ? '' : 's'} (${policy.slos.map((s) => s.name).join(', ')}), mode ${policy.mode}, onMissingData ${policy.onMissingData}.`,
  );
  const warnings = policyWarnings(policy);
  if (warnings.length > 0) {
    // The text parsed once already, so this cannot fail; it only places each warning on its line.
    const parsed = parseBoundedYaml(text);
    const locate = parsed.ok ? parsed.locate : () => undefined;
    io.out(`\n${warnings.length} warning${warnings.length === 1 ? '' : 's'} (the policy is still valid):`);
    for (const { keys, message } of warnings) io.out(`  warning: ${formatProblem({ path: formatPath(keys), message, line: locate(keys) })}`);
  }
  return EXIT.pass;
}

import { parseArgs } from 'node:util';
import { loadOperatorConfig } from '../config.js';
import { evaluate } from '../evaluate.js';
import { createPrometheusClient } from '../metrics/prometheus-client.js';
import { findEnvironment, policyForEnvironment } from '../policy/environments.js';
import { POLICY_PATH } from '../policy/parse-policy.js';
import type { Policy } from '../policy/schema.js';
import { describeReport, sentence } from '../render/describe.js';
import { renderTable } from '../render/table.js';
import { EXIT, parseTime, readPolicy, type CliIo, type Command } from './shared.js';

const USAGE = `slo-gate evaluate [--policy FILE] [--environment NAME] [--prometheus-url URL] [--at TIME]
    Evaluates the policy against Prometheus now (or at an RFC 3339 TIME) and prints the verdict
    and the same table as the pull request comment.
    With --environment, only the SLOs that gate that environment (the policy's \`environments:\`).
    FILE defaults to ${POLICY_PATH}; the URL defaults to $PROMETHEUS_URL. Credentials come from
    $PROMETHEUS_BEARER_TOKEN, $PROMETHEUS_BASIC_AUTH and $PROMETHEUS_HEADERS.
  Examples:
    slo-gate evaluate --prometheus-url http://localhost:9090
    slo-gate evaluate --policy .github/slo-gate.yml --environment production
    slo-gate evaluate --at 2026-11-20T14:30:00Z
  Exit status: 0 pass (and always in warn mode), 1 block, 2 error (invalid policy, missing data, unreachable server).`;

/** `slo-gate evaluate`: the gate's answer now, as the commit status would give it. */
export const evaluateCommand: Command = { usage: USAGE, run: evaluatePolicy };

async function evaluatePolicy(args: string[], io: CliIo): Promise<number> {
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
  // The clock for freeze windows when --at is not given: the CLI's edge, fixed by tests.
  const now = io.now;
  const verdict = await evaluate({ policy, metrics, at, ...(now ? { now: () => now().getTime() } : {}) });
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

import { parseArgs } from 'node:util';
import { backtest } from '../backtest/backtest.js';
import { loadOperatorConfig } from '../config.js';
import { createPrometheusRangeClient } from '../metrics/prometheus-client.js';
import type { TimeRange } from '../metrics/range-source.js';
import { parseDuration } from '../policy/duration.js';
import { POLICY_PATH } from '../policy/parse-policy.js';
import { backtestJson, renderBacktest } from '../render/backtest.js';
import { EXIT, parseTime, readPolicy, usageError, type CliIo, type Command } from './shared.js';

/** Prometheus' own floor for a useful step: scrapes are rarely more frequent. */
const MIN_STEP_SECONDS = 15;
const MAX_STEPS = 100_000;
/**
 * Per-request timeout when PROMETHEUS_TIMEOUT_MS is not set. The app's 5 s suits one instant
 * query; one range request is up to 10,000 evaluations of a 30-day window.
 */
const RANGE_TIMEOUT_MS = 60_000;

const USAGE = `slo-gate backtest [--policy FILE] --from TIME --to TIME [--step 5m] [--json] [--prometheus-url URL]
    Replays the policy, as if enforced, every STEP (${MIN_STEP_SECONDS}s or more) from one RFC 3339 TIME to another,
    and lists when it would have blocked and why. FILE defaults to ${POLICY_PATH}; the URL
    defaults to $PROMETHEUS_URL, credentials as for \`evaluate\`. --json prints a stable JSON object.
  Examples:
    slo-gate backtest --from 2026-11-20T00:00:00Z --to 2026-11-27T00:00:00Z
    slo-gate backtest --policy new-policy.yml --from 2026-11-26T00:00:00Z --to 2026-11-27T00:00:00Z --step 1m --json
  Exit status: 0 it ran (whatever it found), 2 error (invalid policy or range, no step had data).`;

/** `slo-gate backtest`: when would this policy have blocked? Exit 0 once it ran, whatever it found; 2 when no step had data. */
export const backtestCommand: Command = { usage: USAGE, run: replayPolicy };

async function replayPolicy(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      policy: { type: 'string', default: POLICY_PATH },
      from: { type: 'string' },
      to: { type: 'string' },
      step: { type: 'string', default: '5m' },
      json: { type: 'boolean', default: false },
      'prometheus-url': { type: 'string' },
    },
    strict: true,
  });
  const range = parseRange(values.from, values.to, values.step, io);
  const policy = await readPolicy(values.policy);
  const env = values['prometheus-url'] ? { ...io.env, PROMETHEUS_URL: values['prometheus-url'] } : io.env;
  const { prometheus } = loadOperatorConfig(env);
  if (!env.PROMETHEUS_TIMEOUT_MS?.trim()) prometheus.timeoutMs = RANGE_TIMEOUT_MS;
  const source = (io.range ?? createPrometheusRangeClient)(prometheus);

  const timeline = await backtest({ policy, source, range });
  const report = { policyFile: values.policy, mode: policy.mode, range, timeline };
  io.out(values.json ? JSON.stringify(backtestJson(report), null, 2) : renderBacktest(report));
  if (timeline.stepsWithData === 0) {
    // Not one step had data (Prometheus unreachable, every query broken): a failed backtest, not a
    // finding, whatever the verdicts say. Under `onMissingData: allow` they all pass.
    io.err(`slo-gate: no step of the backtest could be evaluated: ${timeline.firstMissing ?? 'missing data'}`);
    return EXIT.error;
  }
  return EXIT.pass;
}

/** The future has no data: a range that runs past now stops at now, and says so. */
function clipToNow(start: Date, end: Date, io: Pick<CliIo, 'err' | 'now'>): Date {
  const now = (io.now ?? (() => new Date()))();
  if (end <= now) return end;
  if (start >= now) throw usageError(`--from (${start.toISOString()}) is in the future: there is nothing to replay yet`);
  io.err(`slo-gate: --to is in the future; replaying until now (${now.toISOString()})`);
  return now;
}

/** The range to replay, checked before anything is read or sent. */
export function parseRange(fromText: string | undefined, toText: string | undefined, stepText: string, io: Pick<CliIo, 'err' | 'now'>): TimeRange {
  if (fromText === undefined || toText === undefined) {
    throw usageError('backtest needs --from and --to, RFC 3339 times such as 2026-11-20T00:00:00Z');
  }
  const start = parseTime('--from', fromText);
  const asked = parseTime('--to', toText);
  if (start >= asked) throw usageError(`--from (${fromText}) must be before --to (${toText})`);
  const end = clipToNow(start, asked, io);
  const stepMs = parseDuration(stepText);
  if (stepMs === undefined || stepMs < MIN_STEP_SECONDS * 1000) {
    throw usageError(`--step must be a Prometheus duration of at least ${MIN_STEP_SECONDS}s, such as 1m or 5m, not "${stepText}"`);
  }
  const steps = Math.floor((end.getTime() - start.getTime()) / stepMs) + 1;
  if (steps > MAX_STEPS) {
    throw usageError(`--from to --to every ${stepText} is ${steps} steps, more than ${MAX_STEPS}: use a longer --step or a shorter range`);
  }
  return { start, end, stepSeconds: stepMs / 1000 };
}

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { QueryError } from '../../src/errors.js';
import type { PrometheusOptions } from '../../src/metrics/prometheus-client.js';
import { FakeRangeSource } from '../backtest/fake-range-source.js';
import { HEALTHY } from '../support/fake-metrics.js';
import { POLICY, policyWith } from '../support/policies.js';

let dir: string;
let policy: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-gate-backtest-'));
  policy = await policyFile(POLICY);
});

async function policyFile(text: string): Promise<string> {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(file, text);
  return file;
}

const at = (time: string) => Date.parse(`2026-11-20T${time}:00Z`) / 1000;
const FROM = '2026-11-20T14:00:00Z';
const TO = '2026-11-20T16:00:00Z';
const NOW = new Date('2027-01-01T00:00:00Z');

/**
 * The afternoon of 2026-11-20 for the policy's `ratio[{{.window}}]` SLI: healthy, except that
 * from 14:05 until 14:40 the 1h and 5m windows burn 20x (the fast rule fires), and from 15:00
 * until 15:20 there is no sample at all.
 */
function afternoon(query: string, time: number): number | undefined {
  const window = /\[([^\]]+)\]/.exec(query)![1]!;
  if (time >= at('15:00') && time < at('15:20')) return undefined;
  if (time >= at('14:05') && time < at('14:40') && (window === '1h' || window === '5m')) return 0.02;
  return HEALTHY[window as keyof typeof HEALTHY];
}

async function backtest(args: string[], source = new FakeRangeSource(afternoon), env: NodeJS.ProcessEnv = { PROMETHEUS_URL: 'http://prometheus:9090' }) {
  const out: string[] = [];
  const err: string[] = [];
  const seen: PrometheusOptions[] = [];
  const code = await run(['backtest', ...args], {
    env,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    range: (options) => (seen.push(options), source),
    now: () => NOW,
  });
  return { code, out: out.join('\n'), err: err.join('\n'), seen, source };
}

describe('slo-gate backtest', () => {
  it('lists when the gate would have blocked and why, one line per episode, then the totals, and exits 0', async () => {
    const { code, out } = await backtest(['--policy', policy, '--from', FROM, '--to', TO]);
    expect(code).toBe(0);
    expect(out).toBe(
      [
        `Backtest of ${policy} from 2026-11-20 14:00 to 2026-11-20 16:00 UTC, every 5m: 25 steps.`,
        '',
        '2026-11-20 14:05 → 14:40 UTC  35 min  blocked: checkout-availability fast',
        '2026-11-20 15:00 → 15:20 UTC  20 min  error: checkout-availability missing data: errorRatioQuery has no sample at this step',
        '',
        '2 episodes: blocked 35 min (29.2%), error 20 min (16.7%) of 2 h.',
        'Lowest error budget left: 50%.',
      ].join('\n'),
    );
  });

  it('prints a stable JSON object with --json', async () => {
    const { code, out } = await backtest(['--policy', policy, '--from', FROM, '--to', TO, '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      policy,
      from: '2026-11-20T14:00:00.000Z',
      to: '2026-11-20T16:00:00.000Z',
      stepSeconds: 300,
      steps: 25,
      episodes: [
        {
          start: '2026-11-20T14:05:00.000Z',
          end: '2026-11-20T14:40:00.000Z',
          minutes: 35,
          state: 'failure',
          reasons: [{ kind: 'burn', slo: 'checkout-availability', rule: 'fast' }],
        },
        {
          start: '2026-11-20T15:00:00.000Z',
          end: '2026-11-20T15:20:00.000Z',
          minutes: 20,
          state: 'error',
          reasons: [{ kind: 'missing-data', slo: 'checkout-availability', reason: 'errorRatioQuery has no sample at this step' }],
        },
      ],
      totals: {
        steps: 25,
        episodes: 2,
        hoursBlocked: 0.583,
        hoursInError: 0.333,
        stepsWarned: 0,
        lowestBudgetLeftPercent: 50,
        // The steps with a budget reading (the two hours less the 20 minutes of missing data) were all in the ok tier.
        hoursByTier: { ok: 1.667, low: 0, restricted: 0, frozen: 0, exhausted: 0 },
      },
    });
  });

  it('asks for every step from --from to --to at --step, once per distinct query', async () => {
    const { source } = await backtest(['--policy', policy, '--from', FROM, '--to', '2026-11-20T16:30:00+01:00', '--step', '1m']);
    expect(source.queries.sort()).toEqual(['ratio[1h]', 'ratio[30d]', 'ratio[30m]', 'ratio[5m]', 'ratio[6h]']);
    expect(new Set(source.ranges.map((r) => JSON.stringify(r)))).toEqual(
      new Set([JSON.stringify({ start: FROM.replace('Z', '.000Z'), end: '2026-11-20T15:30:00.000Z', stepSeconds: 60 })]),
    );
  });

  it('says so when the gate would not have blocked at any step', async () => {
    const { code, out } = await backtest(['--policy', policy, '--from', FROM, '--to', '2026-11-20T14:04:00Z', '--step', '1m']);
    expect(code).toBe(0);
    expect(out).toBe(
      `Backtest of ${policy} from 2026-11-20 14:00 to 2026-11-20 14:04 UTC, every 1m: 5 steps.\nIt would not have blocked at any step.\nLowest error budget left: 50%.`,
    );
  });

  it('replays a warn-mode policy as if it were enforced, and says so', async () => {
    const { code, out } = await backtest(['--policy', await policyFile(policyWith('mode: warn')), '--from', FROM, '--to', TO]);
    expect(code).toBe(0);
    expect(out).toContain('The policy is in warn mode: this is what enforcing it would do.');
    expect(out).toContain('14:05 → 14:40 UTC  35 min  blocked: checkout-availability fast');
  });

  it('shows one error episode over the whole range, and exits 2, when Prometheus cannot be reached', async () => {
    const down = new FakeRangeSource(() => new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', 'q'));
    const { code, out, err } = await backtest(['--policy', policy, '--from', FROM, '--to', TO], down);
    expect(code).toBe(2);
    expect(err).toBe(
      'slo-gate: no step of the backtest could be evaluated: checkout-availability: errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)',
    );
    expect(out).toContain(
      '2026-11-20 14:00 → 16:00 UTC  2 h  error: checkout-availability missing data: errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)',
    );
    expect(out).toContain('1 episode: blocked 0 min (0%), error 2 h (100%) of 2 h.');
  });

  it('exits 2 when Prometheus cannot be reached, even with onMissingData: allow, where every step passes', async () => {
    const down = new FakeRangeSource(() => new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', 'q'));
    const allowing = await policyFile(policyWith('onMissingData: allow'));
    const { code, err } = await backtest(['--policy', allowing, '--from', FROM, '--to', TO], down);
    expect(code).toBe(2);
    expect(err).toBe(
      'slo-gate: no step of the backtest could be evaluated: checkout-availability: errorRatioQuery cannot reach http://prometheus:9090 (ECONNREFUSED)',
    );
  });

  it('exits 2 with --json too when no step had data', async () => {
    const down = new FakeRangeSource(() => new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', 'q'));
    const allowing = await policyFile(policyWith('onMissingData: allow'));
    const { code, out } = await backtest(['--policy', allowing, '--from', FROM, '--to', TO, '--json'], down);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toMatchObject({ episodes: [] });
  });

  it('exits 2 when every step answered, but never with a sample', async () => {
    const { code, err } = await backtest(['--policy', policy, '--from', FROM, '--to', TO], new FakeRangeSource(() => undefined));
    expect(code).toBe(2);
    expect(err).toMatch(/^slo-gate: no step of the backtest could be evaluated: checkout-availability: errorRatioQuery has no sample at this step/);
  });

  it.each([
    ['block', ''],
    ['allow', 'onMissingData: allow'],
  ])('exits 0 with onMissingData: %s when only some steps lack data', async (_mode, extra) => {
    const { code, err } = await backtest(['--policy', await policyFile(policyWith(extra)), '--from', FROM, '--to', TO]);
    expect(code).toBe(0);
    expect(err).toBe('');
  });

  it('exits 0 when a single step had data, even if it was only a window without traffic', async () => {
    const oneStep = new FakeRangeSource((query, time) => (time === at('14:30') && query === 'ratio[30d]' ? NaN : undefined));
    const { code } = await backtest(['--policy', await policyFile(policyWith('onMissingData: allow')), '--from', FROM, '--to', TO], oneStep);
    expect(code).toBe(0);
  });

  it('takes the server from --prometheus-url and credentials from the environment, and waits up to 60 s per request unless told otherwise', async () => {
    const env = { PROMETHEUS_URL: 'http://ignored:9090', PROMETHEUS_BEARER_TOKEN: 't0ken' };
    const { seen } = await backtest(['--policy', policy, '--from', FROM, '--to', TO, '--prometheus-url', 'https://thanos.internal/'], undefined, env);
    expect(seen).toEqual([expect.objectContaining({ url: 'https://thanos.internal/', bearerToken: 't0ken', timeoutMs: 60_000 })]);
  });

  it('keeps the timeout the operator set with PROMETHEUS_TIMEOUT_MS', async () => {
    const { seen } = await backtest(['--policy', policy, '--from', FROM, '--to', TO], undefined, {
      PROMETHEUS_URL: 'http://p:9090',
      PROMETHEUS_TIMEOUT_MS: '9000',
    });
    expect(seen[0]?.timeoutMs).toBe(9000);
  });

  it.each([
    ['no --from', ['--to', TO], /backtest needs --from and --to, RFC 3339 times/],
    ['no --to', ['--from', FROM], /backtest needs --from and --to/],
    [
      'a --from that is not RFC 3339',
      ['--from', 'last tuesday', '--to', TO],
      /--from must be an RFC 3339 time such as 2026-11-22T10:00:00Z, not "last tuesday"/,
    ],
    ['a --to without an offset', ['--from', FROM, '--to', '2026-11-20T16:00:00'], /--to must be an RFC 3339 time/],
    ['a --to before --from', ['--from', TO, '--to', FROM], /--from \(2026-11-20T16:00:00Z\) must be before --to \(2026-11-20T14:00:00Z\)/],
    ['a --to equal to --from', ['--from', FROM, '--to', '2026-11-20T15:00:00+01:00'], /must be before --to/],
    ['a step under 15s', ['--from', FROM, '--to', TO, '--step', '10s'], /--step must be a Prometheus duration of at least 15s, such as 1m or 5m, not "10s"/],
    ['a step that is not a duration', ['--from', FROM, '--to', TO, '--step', '5 minutes'], /--step must be a Prometheus duration/],
    [
      'more than 100,000 steps',
      ['--from', '2026-10-01T00:00:00Z', '--to', TO, '--step', '15s'],
      /--from to --to every 15s is 291841 steps, more than 100000: use a longer --step or a shorter range/,
    ],
    ['an unknown option', ['--from', FROM, '--to', TO, '--since', '1d'], /Unknown option '--since'/],
    ['no Prometheus URL anywhere', ['--from', FROM, '--to', TO], /PROMETHEUS_URL: is not set/, {}],
  ])('exits 2 with a clear message for %s', async (_name, args, message, env: NodeJS.ProcessEnv = { PROMETHEUS_URL: 'http://p:9090' }) => {
    const { code, err, source } = await backtest(['--policy', policy, ...args], undefined, env);
    expect(code).toBe(2);
    expect(err).toMatch(message);
    expect(source.queries).toEqual([]);
  });

  it('exits 2 and lists the problems of an invalid policy', async () => {
    const { code, err } = await backtest(['--policy', await policyFile('slos: []\n'), '--from', FROM, '--to', TO]);
    expect(code).toBe(2);
    expect(err).toContain('the policy is invalid');
  });

  it('replays only until now when --to is in the future, and says so', async () => {
    const { code, err, source } = await backtest(['--policy', policy, '--from', FROM, '--to', '2099-01-01T00:00:00Z'], new FakeRangeSource(() => 0.0005));
    expect(code).toBe(0);
    expect(err).toBe(`slo-gate: --to is in the future; replaying until now (${NOW.toISOString()})`);
    expect(source.ranges.every((r) => r.end.getTime() <= NOW.getTime())).toBe(true);
  });

  it('refuses a range that starts in the future', async () => {
    const { code, err } = await backtest(['--policy', policy, '--from', '2099-01-01T00:00:00Z', '--to', '2099-01-02T00:00:00Z']);
    expect(code).toBe(2);
    expect(err).toMatch(/--from \(2099-01-01T00:00:00.000Z\) is in the future/);
  });

  it('accepts exactly 100,000 steps', async () => {
    const source = new FakeRangeSource(() => 0.0005);
    const to = new Date(Date.parse(FROM) + 99_999 * 15_000).toISOString();
    const { code, out } = await backtest(['--policy', policy, '--from', FROM, '--to', to, '--step', '15s'], source);
    expect(code).toBe(0);
    expect(out).toContain('every 15s: 100000 steps.');
  });
});

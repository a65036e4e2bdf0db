import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { FAST_BURN, HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { POLICY, policyWith } from '../support/policies.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-gate-cli-'));
});

async function policyFile(text: string): Promise<string> {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(file, text);
  return file;
}

async function cli(
  argv: string[],
  byWindow: Parameters<typeof fakeMetrics>[0] = HEALTHY,
  env: NodeJS.ProcessEnv = { PROMETHEUS_URL: 'http://prometheus:9090' },
) {
  const out: string[] = [];
  const err: string[] = [];
  const metrics = fakeMetrics(byWindow);
  const seen: unknown[] = [];
  const code = await run(argv, {
    env,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    metrics: (options) => {
      seen.push(options);
      return metrics;
    },
  });
  return { code, out: out.join('\n'), err: err.join('\n'), metrics, seen };
}

describe('slo-gate validate', () => {
  it('confirms a valid policy and exits 0', async () => {
    const { code, out } = await cli(['validate', await policyFile(POLICY)]);
    expect(code).toBe(0);
    expect(out).toMatch(/is valid: 1 SLO \(checkout-availability\), mode enforce, onMissingData block\./);
  });

  it('lists every problem with its key path and line, and exits 2', async () => {
    const file = await policyFile('mode: enforce\nslos:\n  - name: a\n    objective: 99.9\n    period: 30 days\n    sli: { raw: { errorRatioQuery: x } }\n');
    const { code, err } = await cli(['validate', file]);
    expect(code).toBe(2);
    expect(err).toContain('- slos[0].period, line 5: must be a Prometheus duration such as 5m, 1h or 30d');
    expect(err).toContain('- slos[0].sli.raw.errorRatioQuery, line 6: must contain the {{.window}} placeholder');
  });

  it('lists PromQL mistakes as warnings with key path and line, after saying the policy is valid, and exits 0', async () => {
    const text = `slos:
  - name: checkout
    objective: 99.9
    sli:
      events:
        errorQuery: sum(rate(http_errors{job="checkout"}[{{.window}}]))
        totalQuery: rate(http_requests_total{job="checkout"}[{{.window}}])
`;
    const { code, out, err } = await cli(['validate', await policyFile(text)]);
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out.split('\n').slice(1)).toEqual([
      '',
      '2 warnings (the policy is still valid):',
      expect.stringMatching(/^ {2}warning: slos\[0\]\.sli\.events\.errorQuery, line 6: rate\(\) of http_errors at column 10: /),
      expect.stringMatching(/^ {2}warning: slos\[0\]\.sli\.events\.totalQuery, line 7: may return more than one series \(from column 6\)/),
    ]);
  });

  it('rejects PromQL that does not parse, with the key path, line and column, and exits 2', async () => {
    const file = await policyFile(POLICY.replace('ratio[{{.window}}]', 'sum(ratio[{{.window}}]'));
    const { code, err } = await cli(['validate', file]);
    expect(code).toBe(2);
    expect(err).toContain('- slos[0].sli.raw.errorRatioQuery, line 7: is not valid PromQL at column 23: the query ends too early');
  });

  it('says which file it cannot read', async () => {
    const { code, err } = await cli(['validate', join(dir, 'nope.yml')]);
    expect(code).toBe(2);
    expect(err).toMatch(/cannot read .*nope\.yml: ENOENT/);
  });
});

describe('slo-gate evaluate', () => {
  it('prints the verdict and the same table as the comment, and exits 0 when the budget is healthy', async () => {
    const { code, out } = await cli(['evaluate', '--policy', await policyFile(POLICY)]);
    expect(code).toBe(0);
    expect(out).toContain('OK: 50% of error budget left, highest burn 0.5×');
    expect(out).toContain('| checkout-availability | 99.9% over 30d | █████░░░░░ 50% | 0.5× / 0.5× | 0.5× / 0.5× | ✅ ok |');
  });

  it('exits 1 and names the firing rule while the service burns its budget', async () => {
    const { code, out } = await cli(['evaluate', '--policy', await policyFile(POLICY)], FAST_BURN);
    expect(code).toBe(1);
    expect(out).toContain('Blocked: checkout-availability burning 21.3× over 1h and 18.9× over 5m (limit 14.4×)');
  });

  it('exits 0 in warn mode, while still printing what it would have blocked', async () => {
    const { code, out } = await cli(['evaluate', '--policy', await policyFile(policyWith('mode: warn'))], FAST_BURN);
    expect(code).toBe(0);
    expect(out).toContain('Warn mode, not enforced. Blocked:');
  });

  it('exits 2 when data is missing', async () => {
    const { code, out } = await cli(['evaluate', '--policy', await policyFile(POLICY)], {});
    expect(code).toBe(2);
    expect(out).toContain('Missing data: no data for checkout-availability');
  });

  it('takes the server from --prometheus-url over the environment, credentials from the environment', async () => {
    const env = { PROMETHEUS_URL: 'http://ignored:9090', PROMETHEUS_BEARER_TOKEN: 't0ken' };
    const { seen } = await cli(['evaluate', '--policy', await policyFile(POLICY), '--prometheus-url', 'https://thanos.internal/'], HEALTHY, env);
    expect(seen).toEqual([expect.objectContaining({ url: 'https://thanos.internal/', bearerToken: 't0ken' })]);
  });

  it('evaluates at the moment --at names', async () => {
    const at: Array<Date | undefined> = [];
    const metrics = { queryScalar: async (_q: string, when?: Date) => (at.push(when), 0.0005) };
    const code = await run(['evaluate', '--policy', await policyFile(POLICY), '--at', '2026-11-01T12:00:00Z'], {
      env: { PROMETHEUS_URL: 'http://p:9090' },
      out: () => {},
      err: () => {},
      metrics: () => metrics,
    });
    expect(code).toBe(0);
    expect(new Set(at.map((d) => d?.toISOString()))).toEqual(new Set(['2026-11-01T12:00:00.000Z']));
  });

  it.each([
    ['no Prometheus URL anywhere', ['evaluate', '--policy', 'P'], {}, /PROMETHEUS_URL: is not set/],
    ['a time that is not RFC 3339', ['evaluate', '--policy', 'P', '--at', 'yesterday'], { PROMETHEUS_URL: 'http://p:9090' }, /--at must be an RFC 3339 time/],
    [
      'a time without an offset, which would be read in the local zone',
      ['evaluate', '--policy', 'P', '--at', '2026-11-22T10:00:00'],
      { PROMETHEUS_URL: 'http://p:9090' },
      /--at must be an RFC 3339 time/,
    ],
    [
      'a day that does not exist',
      ['evaluate', '--policy', 'P', '--at', '2026-02-30T10:00:00Z'],
      { PROMETHEUS_URL: 'http://p:9090' },
      /--at must be an RFC 3339 time/,
    ],
    ['an unknown option', ['evaluate', '--bogus'], { PROMETHEUS_URL: 'http://p:9090' }, /Unknown option '--bogus'/],
    ['an unknown command', ['deploy'], {}, /unknown command "deploy"/],
  ])('exits 2 with a clear message for %s', async (_name, argv, env, message) => {
    const args = await Promise.all(argv.map(async (a) => (a === 'P' ? policyFile(POLICY) : a)));
    const { code, err } = await cli(args, HEALTHY, env);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });
});

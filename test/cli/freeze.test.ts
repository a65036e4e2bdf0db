import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import { FakeRangeSource } from '../backtest/fake-range-source.js';
import { HEALTHY, fakeMetrics } from '../support/fake-metrics.js';
import { policyWith } from '../support/policies.js';

const FROZEN = policyWith(`freeze:
  - reason: Year-end freeze
    from: "2026-12-18T17:00:00+01:00"
    to: "2027-01-04T09:00:00+01:00"`);

let policy: string;
beforeAll(async () => {
  policy = join(await mkdtemp(join(tmpdir(), 'slo-gate-freeze-')), 'policy.yml');
  await writeFile(policy, FROZEN);
});

async function cli(argv: string[], now = new Date('2026-12-01T00:00:00Z')) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, {
    env: { PROMETHEUS_URL: 'http://prometheus:9090' },
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    metrics: () => fakeMetrics(HEALTHY),
    range: () => new FakeRangeSource((query) => HEALTHY[/\[([^\]]+)\]/.exec(query)![1] as keyof typeof HEALTHY]),
    now: () => now,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the command line during a change freeze', () => {
  it('evaluate --at a moment inside the freeze blocks a healthy service and exits 1', async () => {
    const { code, out } = await cli(['evaluate', '--policy', policy, '--at', '2026-12-24T10:00:00Z']);
    expect(code).toBe(1);
    expect(out).toContain('Blocked: change freeze until 2027-01-04 08:00 UTC (09:00 +01:00): Year-end freeze');
  });

  it('evaluate --at a moment outside it passes', async () => {
    expect((await cli(['evaluate', '--policy', policy, '--at', '2027-01-04T08:00:00Z'])).code).toBe(0);
  });

  it('evaluate without --at asks the clock', async () => {
    expect((await cli(['evaluate', '--policy', policy], new Date('2026-12-24T10:00:00Z'))).code).toBe(1);
  });

  it('backtest reports the freeze as an episode', async () => {
    const { code, out, err } = await cli(
      ['backtest', '--policy', policy, '--from', '2026-12-18T00:00:00Z', '--to', '2026-12-19T00:00:00Z', '--step', '1h'],
      new Date('2027-02-01T00:00:00Z'),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('2026-12-18 16:00 → 2026-12-19 00:00 UTC  8 h  blocked: change freeze "Year-end freeze" (freeze[0])');
  });
});

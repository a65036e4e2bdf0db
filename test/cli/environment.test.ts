import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli.js';
import type { MetricsSource } from '../../src/metrics/source.js';

const SLOS = `burnRate:
  rules: [{ name: fast, long: 1h, short: 5m, factor: 14.4 }]
slos:
  - name: checkout
    objective: 99.9
    sli: { raw: { errorRatioQuery: 'checkout[{{.window}}]' } }
  - name: search
    objective: 99.9
    sli: { raw: { errorRatioQuery: 'search[{{.window}}]' } }
`;
const WITH_ENVIRONMENTS = `${SLOS}environments:
  production: { slos: [checkout] }
  search-canary: { slos: [search] }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'slo-gate-cli-env-'));
});

/** checkout burns at 20× on every window; search is healthy at 0.5×. */
function metrics(): MetricsSource & { queries: string[] } {
  const queries: string[] = [];
  return {
    queries,
    async queryScalar(query) {
      queries.push(query);
      return query.startsWith('checkout') ? 0.02 : 0.0005;
    },
  };
}

async function evaluate(policyText: string, ...args: string[]) {
  const file = join(dir, `policy-${Math.random().toString(36).slice(2)}.yml`);
  await writeFile(file, policyText);
  const source = metrics();
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['evaluate', '--policy', file, ...args], {
    env: { PROMETHEUS_URL: 'http://prometheus:9090' },
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    metrics: () => source,
  });
  return { code, out: out.join('\n'), err: err.join('\n'), queries: source.queries, file };
}

describe('slo-gate evaluate --environment', () => {
  it("evaluates only the environment's SLOs: a canary gated on a healthy SLO passes while another burns", async () => {
    const { code, out, queries } = await evaluate(WITH_ENVIRONMENTS, '--environment', 'search-canary');
    expect(code).toBe(0);
    expect(out).toContain('| search |');
    expect(out).not.toContain('| checkout |');
    expect(queries.every((q) => q.startsWith('search'))).toBe(true);
  });

  it('blocks with exit 1 for an environment gated on the burning SLO, matching its name whatever the case', async () => {
    const { code, out } = await evaluate(WITH_ENVIRONMENTS, '--environment', 'PRODUCTION');
    expect(code).toBe(1);
    expect(out).toContain('Blocked: checkout burning 20× over 1h and 20× over 5m (limit 14.4×)');
  });

  it('exits 2 for an environment the policy does not gate, listing the ones it does, before asking Prometheus anything', async () => {
    const { code, err, queries, file } = await evaluate(WITH_ENVIRONMENTS, '--environment', 'qa');
    expect(code).toBe(2);
    expect(err).toBe(`slo-gate: ${file} gates no environment named "qa"; it gates: "production", "search-canary" (names match whatever their case)`);
    expect(queries).toEqual([]);
  });

  it('exits 2 when the policy gates no environments at all', async () => {
    const { code, err } = await evaluate(SLOS, '--environment', 'production');
    expect(code).toBe(2);
    expect(err).toContain('gates no environment named "production"; it lists no `environments:`, so it gates none');
  });

  it('evaluates every SLO without --environment, as before', async () => {
    const { code, out } = await evaluate(WITH_ENVIRONMENTS);
    expect(code).toBe(1);
    expect(out).toContain('| checkout |');
    expect(out).toContain('| search |');
  });
});

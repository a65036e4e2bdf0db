import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../../src/policy/parse-policy.js';
import { sourceFilesOf } from '../../../src/policy/slo-sources/resolve.js';
import { fixture, problemsOf, resolved, sources } from './support.js';

const SLOTH = fixture('sloth/checkout.yml');
const SLOTH_CRD = fixture('sloth/checkout-crd.yml');
const OPENSLO = fixture('openslo/checkout.yaml');

describe('an SLO that points at a Sloth file', () => {
  it('takes the objective and the events SLI from the named SLO of a prometheus/v1 spec', () => {
    const [slo] = resolved('sloth: { file: slo/checkout.yml, slo: requests-availability }', sources({ 'slo/checkout.yml': SLOTH })).slos;
    expect(slo).toMatchObject({
      name: 'checkout',
      objective: 99.9,
      period: '30d',
      sli: {
        events: {
          errorQuery: 'sum(rate(http_requests_total{job="checkout",code=~"(5..|429)"}[{{.window}}]))',
          totalQuery: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
        },
      },
    });
    expect(slo?.recorded).toBeUndefined();
  });

  it('takes a raw SLI (error_ratio_query) as written, multi-line and all', () => {
    const [slo] = resolved('sloth: { file: slo/checkout.yml, slo: requests-latency }', sources({ 'slo/checkout.yml': SLOTH })).slos;
    expect(slo?.objective).toBe(99);
    expect(slo?.sli.raw?.errorRatioQuery).toContain('le="0.5"}[{{.window}}]');
  });

  it('reads the Kubernetes CRD form, camelCase keys, from a manifest of several objects', () => {
    const files = sources({ 'k8s/slos.yml': SLOTH_CRD });
    expect(resolved('sloth: { file: k8s/slos.yml, slo: requests-availability }', files).slos[0]).toMatchObject({
      objective: 99.5,
      sli: { events: { errorQuery: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))' } },
    });
    expect(resolved('sloth: { file: k8s/slos.yml, slo: queries-availability }', files).slos[0]).toMatchObject({
      objective: 99.9,
      sli: { raw: { errorRatioQuery: '1 - avg_over_time(search_ok_ratio[{{.window}}])' } },
    });
  });

  it('needs no `slo:` when the file holds one SLO', () => {
    const one = 'version: prometheus/v1\nservice: s\nslos:\n  - name: only\n    objective: 99\n    sli: { raw: { error_ratio_query: "x[{{.window}}]" } }\n';
    expect(resolved('sloth: { file: s.yml }', sources({ 's.yml': one })).slos[0]?.objective).toBe(99);
  });

  it('remembers which recorded series to read when `recorded: true`', () => {
    const [slo] = resolved(
      'period: 28d\nsloth: { file: slo/checkout.yml, slo: requests-availability, recorded: true }',
      sources({ 'slo/checkout.yml': SLOTH }),
    ).slos;
    expect(slo?.recorded).toEqual({ service: 'checkout', slo: 'requests-availability', windows: ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '4w'] });
  });
});

describe('an SLO that points at an OpenSLO file', () => {
  const files = sources({ 'slo/checkout.yaml': OPENSLO });

  it('turns counters given as selectors (good and total) into rates over the window', () => {
    expect(resolved('period: 4w\nopenslo: { file: slo/checkout.yaml, name: checkout-availability }', files).slos[0]).toMatchObject({
      objective: 99.9,
      sli: {
        events: {
          errorQuery:
            '(sum(rate(http_requests_total{job="checkout"}[{{.window}}]))) - (sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{.window}}])))',
          totalQuery: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
        },
      },
    });
  });

  it('reads an SLI referenced by name from the same file, bad and total with {{.window}} as written', () => {
    expect(resolved('openslo: { file: slo/checkout.yaml, name: checkout-errors }', files).slos[0]).toMatchObject({
      objective: 99.5,
      sli: {
        events: {
          errorQuery: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}])) or vector(0)',
          totalQuery: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
        },
      },
    });
  });

  it("refuses a period other than the file's rolling window, so the two never disagree on the budget left", () => {
    expect(problemsOf('openslo: { file: slo/checkout.yaml, name: checkout-availability }', files)).toEqual([
      'slos[0].period | line 2 | is 30d, but slo/checkout.yaml: SLO "checkout-availability" keeps a rolling 28d window: set `period: 28d`',
    ]);
  });

  it('turns a success ratio (rawType: success) into an error ratio', () => {
    const raw = `apiVersion: openslo/v1
kind: SLO
metadata: { name: s }
spec:
  objectives: [{ target: 0.995 }]
  indicator:
    metadata: { name: s }
    spec:
      ratioMetric:
        counter: false
        rawType: success
        raw: { metricSource: { type: prometheus, spec: { query: "avg_over_time(up[{{.window}}])" } } }
`;
    expect(resolved('openslo: { file: s.yaml }', sources({ 's.yaml': raw })).slos[0]).toMatchObject({
      objective: 99.5,
      sli: { raw: { errorRatioQuery: '1 - (avg_over_time(up[{{.window}}]))' } },
    });
  });
});

describe('references that cannot be used are validation problems at their key path', () => {
  const checkout = sources({ 'slo/checkout.yml': SLOTH, 'slo/checkout.yaml': OPENSLO });
  it.each([
    {
      story: 'a file that does not exist',
      slo: 'sloth: { file: slo/missing.yml }',
      files: sources({ 'slo/missing.yml': { kind: 'unusable', reason: 'does not exist on the default branch of o/r', missing: true } }),
      problems: ['slos[0].sloth.file | line 3 | slo/missing.yml does not exist on the default branch of o/r'],
    },
    {
      story: 'a file that is too large',
      slo: 'sloth: { file: big.yml }',
      files: sources({ 'big.yml': `# ${'x'.repeat(70 * 1024)}\n` }),
      problems: ['slos[0].sloth.file | line 3 | big.yml is larger than 64 KiB'],
    },
    {
      story: 'a file that is not YAML, with the line in that file',
      slo: 'sloth: { file: bad.yml }',
      files: sources({ 'bad.yml': 'version: prometheus/v1\nslos: [\n' }),
      problems: ['slos[0].sloth.file | line 3 | bad.yml is not valid YAML (line 3)'],
    },
    {
      story: 'a file with a YAML alias bomb',
      slo: 'openslo: { file: bomb.yml }',
      files: sources({ 'bomb.yml': fixture('policy/evil-alias-bomb.yml') }),
      problems: [expect.stringMatching(/^slos\[0\]\.openslo\.file \| line 3 \| bomb\.yml uses YAML aliases more than 100 times \(line 4\)$/)],
    },
    {
      story: 'an OpenSLO file named as a Sloth file',
      slo: 'sloth: { file: slo/checkout.yaml }',
      files: checkout,
      problems: [
        'slos[0].sloth.file | line 3 | slo/checkout.yaml is not a Sloth file: it needs `version: prometheus/v1`, or `apiVersion: sloth.slok.dev/v1` with `kind: PrometheusServiceLevel`, and says apiVersion "openslo/v1" (it is an OpenSLO file: use `openslo:`)',
      ],
    },
    {
      story: 'a Sloth file named as an OpenSLO file',
      slo: 'openslo: { file: slo/checkout.yml }',
      files: checkout,
      problems: [
        'slos[0].openslo.file | line 3 | slo/checkout.yml holds no OpenSLO `apiVersion: openslo/v1`, `kind: SLO` document (it is a Sloth file: use `sloth:`)',
      ],
    },
    {
      story: 'a Sloth SLO name the file does not have',
      slo: 'sloth: { file: slo/checkout.yml, slo: availability }',
      files: checkout,
      problems: ['slos[0].sloth.slo | line 3 | slo/checkout.yml has no SLO named "availability"; it has "requests-availability", "requests-latency"'],
    },
    {
      story: 'a file of several SLOs without `slo:`',
      slo: 'sloth: { file: slo/checkout.yml }',
      files: checkout,
      problems: ['slos[0].sloth.slo | line 3 | slo/checkout.yml holds 2 SLOs ("requests-availability", "requests-latency"): name one with `slo:`'],
    },
    {
      story: 'a Sloth SLI plugin',
      slo: 'sloth: { file: plugin.yml }',
      files: sources({ 'plugin.yml': fixture('sloth/plugin.yml') }),
      problems: [
        'slos[0].sloth | line 3 | plugin.yml: SLO "requests-availability": sli.plugin is not supported: slo-gate cannot run Sloth SLI plugins; write the SLI as `events` or `raw`',
      ],
    },
    {
      story: 'a Sloth SLO whose objective and queries would be refused in the policy itself',
      slo: 'sloth: { file: no-window.yml }',
      files: sources({ 'no-window.yml': fixture('sloth/no-window.yml') }),
      problems: [
        'slos[0].sloth | line 3 | no-window.yml: SLO "requests-availability": objective must be below 100 (percent): a 100% objective leaves no error budget',
        'slos[0].sloth | line 3 | no-window.yml: SLO "requests-availability": sli.events.error_query must contain the {{.window}} placeholder, e.g. rate(x[{{.window}}])',
      ],
    },
    {
      story: 'an OpenSLO thresholdMetric',
      slo: 'openslo: { file: threshold.yaml }',
      files: sources({ 'threshold.yaml': fixture('openslo/threshold.yaml') }),
      problems: ['slos[0].openslo | line 3 | threshold.yaml: SLO "checkout-latency": thresholdMetric is not supported: only a ratioMetric'],
    },
    {
      story: 'an OpenSLO metric source that is not Prometheus',
      slo: 'openslo: { file: datadog.yaml }',
      files: sources({ 'datadog.yaml': fixture('openslo/datadog.yaml') }),
      problems: [
        'slos[0].openslo | line 3 | datadog.yaml: SLO "checkout-availability": ratioMetric.good: metricSource type "Datadog" is not supported: only Prometheus',
      ],
    },
    {
      story: 'an OpenSLO version other than v1',
      slo: 'openslo: { file: v1alpha.yaml }',
      files: sources({ 'v1alpha.yaml': fixture('openslo/v1alpha.yaml') }),
      problems: ['slos[0].openslo.file | line 3 | v1alpha.yaml: apiVersion "openslo/v1alpha" is not supported: only openslo/v1'],
    },
    {
      story: 'an OpenSLO counter query that cannot be taken over a window',
      slo: 'openslo: { file: s.yaml }',
      files: sources({
        's.yaml': `apiVersion: openslo/v1
kind: SLO
metadata: { name: s }
spec:
  objectives: [{ target: 0.99 }]
  indicator:
    metadata: { name: s }
    spec:
      ratioMetric:
        counter: true
        good: { metricSource: { type: Prometheus, spec: { query: 'sum(ok_total) / 2' } } }
        total: { metricSource: { type: Prometheus, spec: { query: all_total } } }
`,
      }),
      problems: [
        'slos[0].openslo | line 3 | s.yaml: SLO "s": ratioMetric.good query "sum(ok_total) / 2" cannot be read over a window: give a metric selector such as http_requests_total{code!~"5.."}, or write the query with {{.window}}, e.g. sum(rate(http_requests_total[{{.window}}]))',
      ],
    },
    {
      story: 'an OpenSLO gauge query (counter: false) without {{.window}}',
      slo: 'openslo: { file: s.yaml }',
      files: sources({
        's.yaml': `apiVersion: openslo/v1
kind: SLO
metadata: { name: s }
spec:
  objectives: [{ target: 0.99 }]
  indicator:
    metadata: { name: s }
    spec:
      ratioMetric:
        counter: false
        bad: { metricSource: { type: Prometheus, spec: { query: failed_jobs } } }
        total: { metricSource: { type: Prometheus, spec: { query: all_jobs } } }
`,
      }),
      problems: [
        'slos[0].openslo | line 3 | s.yaml: SLO "s": ratioMetric.bad query "failed_jobs" cannot be read over a window: without `counter: true` the query is used as written, so it needs {{.window}}, e.g. sum(rate(http_requests_total[{{.window}}]))',
      ],
    },
    {
      story: 'an OpenSLO file of several SLOs without `name:`',
      slo: 'openslo: { file: s.yaml }',
      files: sources({ 's.yaml': OPENSLO }),
      problems: ['slos[0].openslo.name | line 3 | s.yaml holds 2 SLOs ("checkout-availability", "checkout-errors"): name one with `name:`'],
    },
    {
      story: 'an OpenSLO budget counted in time slices',
      slo: 'openslo: { file: s.yaml, name: checkout-availability }',
      files: sources({ 's.yaml': OPENSLO.replace('budgetingMethod: Occurrences', 'budgetingMethod: Timeslices') }),
      problems: [
        'slos[0].openslo | line 3 | s.yaml: SLO "checkout-availability": budgetingMethod "Timeslices" is not supported: only Occurrences (slo-gate counts events)',
      ],
    },
    {
      story: 'an OpenSLO SLO with two objectives',
      slo: 'openslo: { file: s.yaml, name: checkout-errors }',
      files: sources({ 's.yaml': OPENSLO.replace('    - targetPercent: 99.5', '    - targetPercent: 99.5\n    - targetPercent: 99') }),
      problems: ['slos[0].openslo | line 3 | s.yaml: SLO "checkout-errors": has 2 objectives: slo-gate reads an SLO with exactly one'],
    },
    {
      story: 'a file the caller did not read (a policy validated without its files)',
      slo: 'openslo: { file: slo/other.yaml }',
      files: undefined,
      problems: ['slos[0].openslo.file | line 3 | slo/other.yaml was not read: the app and `slo-gate` read referenced files before they check a policy'],
    },
  ])('$story', ({ slo, files, problems }) => {
    expect(problemsOf(slo, files)).toEqual(problems);
  });

  it('refuses a calendar time window, naming it', () => {
    const files = sources({ 's.yaml': OPENSLO.replace('isRolling: true', 'isRolling: false') });
    expect(problemsOf('openslo: { file: s.yaml, name: checkout-availability }', files)).toEqual([
      'slos[0].openslo | line 3 | s.yaml: SLO "checkout-availability": a calendar timeWindow (isRolling: false) is not supported: slo-gate keeps a rolling budget',
    ]);
  });
});

describe('the reference itself is checked by the schema', () => {
  it.each([
    {
      story: 'both an sli and a reference',
      slo: 'objective: 99\nsli: { raw: { errorRatioQuery: "x[{{.window}}]" } }\nsloth: { file: a.yml }',
      problems: ['slos[0].sloth | line 5 | cannot be used together with `sli`: an SLO has exactly one of sli, sloth or openslo'],
    },
    {
      story: 'two references',
      slo: 'sloth: { file: a.yml }\nopenslo: { file: a.yml }',
      problems: ['slos[0].openslo | line 4 | cannot be used together with `sloth`: an SLO has exactly one of sli, sloth or openslo'],
    },
    {
      story: 'none of the three',
      slo: 'objective: 99',
      problems: ['slos[0].sli | line 2 | is required (or `sloth:` or `openslo:`, to read the SLI and objective from a file)'],
    },
    {
      story: 'an sli without an objective',
      slo: 'sli: { raw: { errorRatioQuery: "x[{{.window}}]" } }',
      problems: ['slos[0].objective | line 2 | is required'],
    },
    {
      story: 'an objective next to a reference',
      slo: 'objective: 99\nsloth: { file: a.yml }',
      problems: ['slos[0].objective | line 3 | comes from the Sloth file: remove it here'],
    },
    {
      story: 'a path that climbs out of the repository',
      slo: 'sloth: { file: ../secrets.yml }',
      problems: [expect.stringContaining('slos[0].sloth.file | line 3 | must be a path inside the repository')],
    },
    {
      story: 'an absolute path',
      slo: 'openslo: { file: /etc/passwd }',
      problems: [expect.stringContaining('slos[0].openslo.file | line 3 | must be a path inside the repository')],
    },
    { story: 'an unknown key in a reference', slo: 'sloth: { file: a.yml, service: x }', problems: ['slos[0].sloth.service | line 3 | unknown key'] },
  ])('refuses $story', ({ slo, problems }) => {
    expect(problemsOf(slo, sources({ 'a.yml': SLOTH }))).toEqual(problems);
  });
});

describe('which files a policy is made from', () => {
  it('lists each referenced file once, so a push that changes one can be told to change the policy', () => {
    const policy = parsePolicyText(
      `slos:
  - { name: a, sloth: { file: slo/checkout.yml, slo: requests-availability } }
  - { name: b, sloth: { file: slo/checkout.yml, slo: requests-latency } }
  - { name: c, objective: 99, sli: { raw: { errorRatioQuery: "x[{{.window}}]" } } }
`,
      sources({ 'slo/checkout.yml': SLOTH }),
    );
    expect(sourceFilesOf(policy)).toEqual(['slo/checkout.yml']);
  });
});

import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { Report } from '../../src/gate/report.js';
import type { WindowReading } from '../../src/gate/types.js';
import { validatePolicy } from '../../src/policy/parse-policy.js';
import { boundComment, MAX_COMMENT_BYTES } from '../../src/render/bound.js';
import { COMMENT_MARKER, renderComment } from '../../src/render/comment.js';

/** GitHub refuses a comment body longer than this. */
const GITHUB_LIMIT = 65_536;
const SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const render = (report: Report) => renderComment(report, { sha: SHA, bypass: { labels: ['hotfix'], minPermission: 'write' }, recheckEveryMs: 300_000 });

/** The largest policy the schema allows: 50 SLOs with 64-character names, 10 rules each, every rule firing. */
function everythingBurning(): Report {
  const names = Array.from({ length: 50 }, (_, i) => `slo-${String(i).padStart(2, '0')}-`.padEnd(64, 'x'));
  const rules = Array.from({ length: 10 }, (_, i) => ({ name: `rule-${i}`, long: i % 2 ? '6h' : '1h', short: i % 2 ? '30m' : '5m', factor: 1 + i }));
  const policy = validatePolicy({
    slos: names.map((name) => ({ name, objective: 99.9, sli: { raw: { errorRatioQuery: `${name}[{{.window}}]` } } })),
    burnRate: { rules },
  });
  const burning = new Map<string, WindowReading>(['1h', '5m', '6h', '30m', '30d'].map((w) => [w, { ok: true, ratio: 0.02 }]));
  return { kind: 'verdict', verdict: decide(policy, new Map(names.map((n) => [n, burning])), []) };
}

const lengthInGitHubTerms = (text: string) => Math.max(text.length, Buffer.byteLength(text, 'utf8'));

describe('a comment GitHub will always accept', () => {
  it('summarises 50 SLOs with 10 firing rules each (and 50 spent budgets) within GitHub’s limit, keeping the marker, the headline and every table row', () => {
    const comment = render(everythingBurning());
    expect(lengthInGitHubTerms(comment)).toBeLessThan(GITHUB_LIMIT);
    expect(comment.split('\n').slice(0, 2)).toEqual([COMMENT_MARKER, '### 🔴 slo-gate: merging is blocked']);
    expect(comment).toContain('- … and 530 more reasons, in the table below.');
    expect(comment.split('\n').filter((l) => l.startsWith('| slo-'))).toHaveLength(50);
    expect(comment).toMatch(/<sub>slo-gate evaluated commit ec26c3e .*<\/sub>$/);
  });

  it('lists the first 50 of 3,000 policy problems and says how to see the rest', () => {
    const problems = Array.from({ length: 3000 }, (_, i) => ({
      path: `slos[${i}].sli.events.totalQuery`,
      message: 'must contain the {{.window}} placeholder',
      line: i + 1,
    }));
    const comment = render({ kind: 'invalid-policy', problems });
    expect(lengthInGitHubTerms(comment)).toBeLessThan(GITHUB_LIMIT);
    expect(comment.split('\n').slice(0, 2)).toEqual([COMMENT_MARKER, '### ⚠️ slo-gate: the policy `.github/slo-gate.yml` cannot be used']);
    expect(comment).toContain('- `slos[49].sli.events.totalQuery` (line 50): must contain');
    expect(comment).not.toContain('slos[50]');
    expect(comment).toContain('- … and 2,950 more problems; run `npx slo-gate validate .github/slo-gate.yml` for the full list.');
  });

  it('does not add a count when there is nothing more to count', () => {
    const comment = render({ kind: 'invalid-policy', problems: Array.from({ length: 50 }, (_, i) => ({ path: `x${i}`, message: 'is not allowed' })) });
    expect(comment).toContain('- `x49`: is not allowed');
    expect(comment).not.toContain('more problems');
  });

  it('cuts a failure message too long for any comment, keeping the marker, the headline and the footer', () => {
    const comment = render({ kind: 'failed', message: 'x'.repeat(200_000) });
    expect(lengthInGitHubTerms(comment)).toBeLessThanOrEqual(MAX_COMMENT_BYTES);
    const lines = comment.split('\n');
    expect(lines.slice(0, 2)).toEqual([COMMENT_MARKER, '### ⚠️ slo-gate could not evaluate this pull request']);
    expect(lines.at(-1)).toMatch(/^<sub>slo-gate evaluated commit ec26c3e/);
    expect(comment).toContain('_The rest of this summary is left out: it is longer than a GitHub comment can be._');
  });
});

describe('the hard cap', () => {
  const table = [
    '<!-- m -->',
    '### headline',
    '',
    '| a | b |',
    '| --- | --- |',
    ...Array.from({ length: 100 }, (_, i) => `| row ${i} | ${'█'.repeat(50)} |`),
    '',
    '<sub>footer</sub>',
  ];

  it('leaves a comment within the limit exactly as it is', () => {
    const text = table.join('\n');
    expect(boundComment(text, 2, Buffer.byteLength(text))).toBe(text);
  });

  it('drops whole lines only, counts bytes rather than characters, and ends a cut table with a blank line', () => {
    const text = table.join('\n');
    const bounded = boundComment(text, 2, 4000);
    expect(Buffer.byteLength(bounded)).toBeLessThanOrEqual(4000);
    const lines = bounded.split('\n');
    const notice = lines.indexOf('_The rest of this summary is left out: it is longer than a GitHub comment can be._');
    expect(lines.slice(0, notice - 1).every((line) => table.includes(line))).toBe(true);
    expect(lines[notice - 1]).toBe('');
    expect(lines[notice - 2]).toMatch(/^\| row \d+ \| █+ \|$/);
    expect(lines.at(-1)).toBe('<sub>footer</sub>');
  });
});

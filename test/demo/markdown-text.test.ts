import { describe, expect, it } from 'vitest';
import { displayWidth, markdownToText } from '../../demo/markdown-text.js';

describe('the demo shows a comment as text', () => {
  it('drops the hidden marker and emphasis, keeps the heading text and links readable', () => {
    const markdown = [
      '<!-- slo-gate:summary -->',
      '### 🔴 slo-gate: merging is blocked',
      '',
      '',
      '- **checkout** burns fast (rule `fast` blocks above 14.4×). See [the runbook](https://example.test/runbook).',
      '',
      '<sub>slo-gate evaluated commit ec26c3e</sub>',
      '',
    ].join('\n');
    expect(markdownToText(markdown)).toEqual([
      '🔴 slo-gate: merging is blocked',
      '',
      '- checkout burns fast (rule fast blocks above 14.4×). See the runbook (https://example.test/runbook).',
      '',
      'slo-gate evaluated commit ec26c3e',
    ]);
  });

  it('aligns a table in columns, counting an emoji as two columns, and drops the separator row', () => {
    const markdown = ['| SLO | Verdict |', '| --- | --- |', '| checkout-availability | ⛔ blocked |', '| search | ✅ ok |'].join('\n');
    expect(markdownToText(markdown)).toEqual(['SLO                    Verdict', 'checkout-availability  ⛔ blocked', 'search                 ✅ ok']);
  });

  it('measures wide pictographs as two columns and variation selectors as none', () => {
    expect([displayWidth('abc'), displayWidth('🔥'), displayWidth('⛔'), displayWidth('⚠️'), displayWidth('██░')]).toEqual([3, 2, 2, 2, 3]);
  });
});

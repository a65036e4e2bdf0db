import { describe, expect, it } from 'vitest';
import { parseSourceDocuments } from '../../../src/policy/slo-sources/documents.js';

describe('reading a Sloth or OpenSLO file of several YAML documents', () => {
  it('reads every document of a manifest, skipping empty ones and comments', () => {
    const text = '# header\n---\na: 1\n--- \n# only a comment\n---\nb: [1, 2]\n...\n---\nc: x\n';
    expect(parseSourceDocuments(text)).toEqual({ ok: true, documents: [{ a: 1 }, { b: [1, 2] }, { c: 'x' }] });
  });

  it('keeps content on the `---` line and drops a %YAML directive', () => {
    expect(parseSourceDocuments('%YAML 1.2\n--- {a: 1}\n')).toEqual({ ok: true, documents: [{ a: 1 }] });
  });

  it('says on which line of the file a later document is broken', () => {
    expect(parseSourceDocuments('a: 1\n---\nb: 2\nc: [\n')).toEqual({ ok: false, reason: 'is not valid YAML (line 5)' });
  });

  it('refuses an empty file', () => {
    expect(parseSourceDocuments('# nothing\n')).toEqual({ ok: false, reason: 'is empty' });
  });

  it('refuses more than 100 documents', () => {
    expect(parseSourceDocuments('---\na: 1\n'.repeat(101))).toEqual({ ok: false, reason: 'holds more than 100 YAML documents' });
  });

  it('refuses an alias bomb within one document, as the policy is refused', () => {
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(parseSourceDocuments(`---\nok: 1\n---\n${bomb}`)).toEqual({ ok: false, reason: 'uses YAML aliases more than 100 times (line 5)' });
  });

  it('refuses a file larger than 64 KiB before parsing it', () => {
    expect(parseSourceDocuments(`a: "${'x'.repeat(64 * 1024)}"\n`)).toEqual({ ok: false, reason: 'is larger than 64 KiB' });
  });
});

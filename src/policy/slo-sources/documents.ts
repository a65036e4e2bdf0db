import { MAX_POLICY_BYTES, parseBoundedYaml } from '../bounded-yaml.js';

/** Documents one Sloth or OpenSLO file may hold (`---` separated, as Kubernetes manifests are). */
export const MAX_DOCUMENTS = 100;

export type SourceDocuments = { ok: true; documents: unknown[] } | { ok: false; reason: string };

/**
 * Parses a Sloth or OpenSLO file, which may hold several YAML documents, with the policy's own
 * bounds (bounded-yaml.ts): the size of the whole file, then each document's values, depth and
 * aliases (an alias never reaches into another document). `reason` completes "<file> …" and never
 * quotes the file. Pure.
 */
export function parseSourceDocuments(text: string): SourceDocuments {
  if (Buffer.byteLength(text, 'utf8') > MAX_POLICY_BYTES) return { ok: false, reason: `is larger than ${MAX_POLICY_BYTES / 1024} KiB` };
  const chunks = splitDocuments(text);
  if (chunks.length > MAX_DOCUMENTS) return { ok: false, reason: `holds more than ${MAX_DOCUMENTS} YAML documents` };
  const documents: unknown[] = [];
  for (const { text: chunk, firstLine } of chunks) {
    const parsed = parseBoundedYaml(chunk);
    if (!parsed.ok) {
      // The summary says "it …" and gives the line within the document; make it the file's line.
      const summary = parsed.summary.replace(/\(line (\d+)\)/, (_, line: string) => `(line ${Number(line) + firstLine - 1})`);
      return { ok: false, reason: summary.replace(/^it /, '') };
    }
    if (parsed.value !== null && parsed.value !== undefined) documents.push(parsed.value);
  }
  if (documents.length === 0) return { ok: false, reason: 'is empty' };
  return { ok: true, documents };
}

/**
 * The text of each document and the file line it starts on. A line `---` (optionally followed by
 * content) starts a document and a line `...` ends one; at column 0 both end a block scalar too,
 * so splitting on them before parsing is what a YAML stream means. Directives (`%YAML`) are dropped.
 */
function splitDocuments(text: string): Array<{ text: string; firstLine: number }> {
  const chunks: Array<{ text: string; firstLine: number }> = [];
  let current: string[] = [];
  let firstLine = 1;
  const lines = text.split(/\r?\n/);
  const flush = (nextFirstLine: number) => {
    if (current.some((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))) chunks.push({ text: current.join('\n'), firstLine });
    current = [];
    firstLine = nextFirstLine;
  };
  lines.forEach((line, index) => {
    const marker = /^---(?:[ \t](.*))?$/.exec(line);
    if (marker) {
      flush(index + 1);
      current.push(marker[1] ?? '');
    } else if (/^\.\.\.[ \t]*$/.test(line)) {
      flush(index + 2);
    } else if (line.startsWith('%') && current.length === 0) {
      firstLine = index + 2;
    } else {
      current.push(line);
    }
  });
  flush(lines.length + 1);
  return chunks;
}

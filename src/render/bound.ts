/**
 * GitHub refuses a comment body over 65,536 characters, and refuses it again on every retry. The
 * comment stays well under that, counted in UTF-8 bytes (never fewer than characters, whichever
 * GitHub counts), leaving room for whatever a later edit adds.
 */
export const MAX_COMMENT_BYTES = 60_000;

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

/** The first `max` lines, then one saying how many more there are (`more` receives the count, written `2,950`). */
export function firstLines(lines: readonly string[], max: number, more: (count: string) => string): string[] {
  if (lines.length <= max) return [...lines];
  return [...lines.slice(0, max), more(thousands(lines.length - max))];
}

/**
 * The hard cap, after the renderers' own summaries: keeps the first `keepHead` lines (marker and
 * headline) and the last line (the footer), and drops whole lines from the end of the rest until
 * the comment fits. Never cuts inside a line, so no Markdown construct is broken open; a blank line
 * before the notice ends any table or list it follows.
 */
export function boundComment(text: string, keepHead = 2, limit = MAX_COMMENT_BYTES): string {
  if (byteLength(text) <= limit) return text;
  const lines = text.split('\n');
  const head = lines.slice(0, keepHead);
  const tail = ['', '_The rest of this summary is left out: it is longer than a GitHub comment can be._', '', lines[lines.length - 1]!];
  let size = byteLength([...head, ...tail].join('\n'));
  const middle: string[] = [];
  for (const line of lines.slice(keepHead, -1)) {
    const next = size + byteLength(line) + 1;
    if (next > limit) break;
    middle.push(line);
    size = next;
  }
  return [...head, ...middle, ...tail].join('\n');
}

function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * The app's Markdown (the summary comment, a protection-rule review) as plain text for a terminal,
 * roughly as GitHub shows it: no hidden markers, no emphasis marks, tables in aligned columns,
 * links as "text (url)". Pure.
 */

export function markdownToText(markdown: string): string[] {
  const out: string[] = [];
  let table: string[][] = [];
  const flush = () => {
    if (table.length) out.push(...alignTable(table));
    table = [];
  };
  for (const raw of markdown.replace(/<!--[\s\S]*?-->/g, '').split('\n')) {
    const line = raw.trimEnd();
    if (/^\s*\|.*\|\s*$/.test(line)) {
      const cells = line
        .trim()
        .slice(1, -1)
        .split('|')
        .map((cell) => inline(cell.trim()));
      if (!cells.every((cell) => /^:?-{3,}:?$/.test(cell))) table.push(cells);
      continue;
    }
    flush();
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    const text = inline(heading ? heading[1]! : line);
    if (text === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(text);
  }
  flush();
  while (out.length && out[out.length - 1] === '') out.pop();
  return out;
}

function inline(text: string): string {
  return text
    .replace(/<\/?(?:sub|sup|details|summary|b|i|br)\s*\/?>/gi, '')
    .replace(/\[([^\]]*)\]\(([^)\s]+)\)/g, '$1 ($2)')
    .replace(/\*\*(.+?)\*\*/g, '$1')
    .replace(/`([^`]*)`/g, '$1')
    .replace(/\\([|*_`[\]])/g, '$1');
}

function alignTable(rows: string[][]): string[] {
  const columns = Math.max(...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(...rows.map((row) => displayWidth(row[c] ?? ''))));
  return rows.map((row) =>
    widths
      .map((width, c) => {
        const cell = row[c] ?? '';
        return cell + ' '.repeat(width - displayWidth(cell));
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Columns a string takes in a terminal: wide pictographs count two, variation selectors and joiners none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === 0xfe0f || code === 0x200d) continue;
    width += code >= 0x1f000 || (code >= 0x2600 && code <= 0x27bf) ? 2 : 1;
  }
  return width;
}

/**
 * Prometheus durations (`5m`, `1h30m`, `30d`): one or more number+unit pairs,
 * units in descending order, as the Prometheus query language accepts them.
 */
const UNIT_MS = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/** Milliseconds in a Prometheus duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 32) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let lastRank = -1;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    const unit = match[2] as Unit;
    const rank = ORDER.indexOf(unit);
    if (rank <= lastRank) return undefined;
    lastRank = rank;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return total > 0 && Number.isSafeInteger(total) ? total : undefined;
}

/** Shortest Prometheus duration for a whole number of milliseconds: 3_600_000 -> `1h`. */
export function formatDuration(ms: number): string {
  let rest = ms;
  let out = '';
  for (const unit of ORDER) {
    if (unit === 'y' || unit === 'w') continue;
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out || '0s';
}

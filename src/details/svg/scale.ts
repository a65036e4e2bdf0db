/** Maps a domain linearly onto a pixel range; a zero-width domain maps everything to the range's middle. */
export function linearScale([d0, d1]: readonly [number, number], [r0, r1]: readonly [number, number]): (value: number) => number {
  const span = d1 - d0;
  if (span === 0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / span) * (r1 - r0);
}

/** The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (positive), so axis ticks read as round numbers. */
export function niceStep(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value * (1 - 1e-9)) return m * power;
  return 10 * power;
}

/** Round ticks from `min` to `max` (both included when round), about `count` of them; `max` > `min`. */
export function valueTicks(min: number, max: number, count = 5): number[] {
  const step = niceStep((max - min) / count);
  const ticks: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** The round number at or above `value` that an axis ending there would show as a tick. */
export function niceCeiling(value: number, count = 5): number {
  if (!(value > 0)) return 1;
  const step = niceStep(value / count);
  return Math.ceil(value / step - 1e-9) * step;
}

const MINUTE = 60;
const HOUR = 3600;
const TIME_STEPS = [5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, 24 * HOUR, 48 * HOUR];

/** Tick times (Unix seconds) on whole UTC minutes/hours/days within [start, end], at most `max` of them. */
export function timeTicks(start: number, end: number, max = 7): number[] {
  const span = end - start;
  const step = TIME_STEPS.find((s) => span / s <= max) ?? Math.ceil(span / max / 86_400) * 86_400;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A tick's label in UTC: `14:30` within a day's span, `Dec 2 12:00` beyond (the axis says UTC once). */
export function formatTimeTick(at: number, spanSeconds: number): string {
  const date = new Date(at * 1000);
  const time = `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return spanSeconds <= 86_400 ? time : `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ${time}`;
}

/** A moment for people: `2026-12-02 09:25 UTC`. */
export function formatUtc(at: number): string {
  return `${new Date(at * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

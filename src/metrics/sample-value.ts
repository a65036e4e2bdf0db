/**
 * Prometheus' text for a float: a decimal with an optional exponent, or `NaN`, `+Inf`, `-Inf`,
 * `Inf` (Go's ParseFloat also reads `Infinity` and any case, which `String(number)` writes).
 * Nothing else: no hex, no underscores, no empty string (which Number() would read as 0).
 */
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?inf(?:inity)?|nan)$/i;

/** The number a sample's text stands for, or undefined when it is not Prometheus float text. */
export function parseSampleValue(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 64 || !FLOAT.test(text)) return undefined;
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

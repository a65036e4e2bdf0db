/** Number formatting for people: short, and never rounding a value onto the limit it is compared with. */

function trim(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Rounding noise below the digits shown (1 - 1.0000000002) reads as 0, never as "-0". */
function fixed(value: number, digits: number): string {
  const text = trim(value.toFixed(digits));
  return text === '-0' ? '0' : text;
}

/** 21.3×, 0.4×, 0.04×, 150×. With a limit, adds digits until the two read differently. */
export function formatBurn(value: number, limit?: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 0.1 || value === 0 ? 1 : 2;
  return `${precise(value, digits, limit)}×`;
}

/** A fraction of budget as a percentage: 0.72 -> 72%, 0.045 -> 4.5%, -0.12 -> -12%. */
export function formatPercent(fraction: number, limitPercent?: number): string {
  const value = fraction * 100;
  const digits = Math.abs(value) >= 10 ? 0 : 1;
  return `${precise(value, digits, limitPercent)}%`;
}

function precise(value: number, digits: number, limit: number | undefined): string {
  let text = fixed(value, digits);
  for (let extra = digits + 1; limit !== undefined && value !== limit && text === fixed(limit, extra - 1) && extra <= 6; extra++) {
    text = fixed(value, extra);
  }
  return text;
}

/** A ten-cell bar for a fraction of budget left; an overspent budget shows empty. */
export function budgetBar(fraction: number): string {
  const cells = 10;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * cells);
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)}`;
}

/** Hours or days, for "at this rate the budget is gone in ...". */
export function formatSpan(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
}

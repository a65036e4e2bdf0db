/** Small helpers for reading values out of a Sloth or OpenSLO file. Pure. */

/** A mapping as YAML gives it (the same test as parse-policy.ts, kept here so this folder has no import cycle). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A value from the file, quoted and cut to 64 characters. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** At most 10 names, quoted. */
export function list(names: readonly string[]): string {
  const shown = names.slice(0, 10).map(quote);
  return names.length === 0 ? 'none' : `${shown.join(', ')}${names.length > 10 ? `, and ${names.length - 10} more` : ''}`;
}

/** A scalar from the file as text, for a message; anything else by its shape. */
export function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? 'none' : Array.isArray(value) ? 'a list' : 'a mapping';
}

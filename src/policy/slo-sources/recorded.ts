import { parseDuration } from '../duration.js';

/**
 * Sloth's SLI recording rules (slok/sloth, internal/prometheus/conventions.go): for each SLO it
 * records `slo:sli_error:ratio_rate<window>`, the error ratio over that window, labelled
 * `sloth_id`, `sloth_service`, `sloth_slo` and `sloth_window`, for its alert windows (5m, 30m, 1h,
 * 2h, 6h, 1d, 3d) and for the SLO period (`slo:sli_error:ratio_rate30d`, or `…ratio_rate4w` for 28d),
 * averaged over the 5m series: far cheaper than a 30-day `rate()`. Pure.
 */

/** Sloth's default alert windows (the same for its 30d and 28d periods). */
export const SLOTH_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** Which recorded series stand for one SLO, and the windows they exist for, as Sloth names them. */
export interface RecordedSeries {
  service: string;
  slo: string;
  /** Sloth's window names (`5m` … `3d`, and the period), each a Prometheus duration. */
  windows: readonly string[];
}

export function recordedSeries(service: string, slo: string, period: string): RecordedSeries {
  const periodName = slothWindowName(period);
  return { service, slo, windows: [...new Set([...SLOTH_WINDOWS, ...(periodName ? [periodName] : [])])] };
}

/**
 * The recorded series for a window, or undefined when Sloth records none for it (then the raw
 * query is used). `60m` and `1h` are the same window: matched by length, named as Sloth names it.
 */
export function recordedQuery(recorded: RecordedSeries | undefined, window: string): string | undefined {
  if (!recorded) return undefined;
  const name = slothWindowName(window);
  if (name === undefined || !recorded.windows.includes(name)) return undefined;
  return `slo:sli_error:ratio_rate${name}{sloth_service=${promString(recorded.service)}, sloth_slo=${promString(recorded.slo)}}`;
}

/**
 * The name Sloth gives a window: Prometheus' own duration text (model.Duration.String), which
 * writes years and weeks only when they divide it exactly (28d → `4w`, 30d → `30d`, 24h → `1d`,
 * 60m → `1h`). Undefined for a non-duration.
 */
export function slothWindowName(window: string): string | undefined {
  let ms = parseDuration(window);
  if (ms === undefined) return undefined;
  let out = '';
  for (const [unit, size, exact] of UNITS) {
    if (exact && ms % size !== 0) continue;
    const count = Math.floor(ms / size);
    if (count > 0) {
      out += `${count}${unit}`;
      ms -= count * size;
    }
  }
  return out;
}

const DAY = 86_400_000;
const UNITS: ReadonlyArray<[unit: string, ms: number, exact: boolean]> = [
  ['y', 365 * DAY, true],
  ['w', 7 * DAY, true],
  ['d', DAY, false],
  ['h', 3_600_000, false],
  ['m', 60_000, false],
  ['s', 1_000, false],
  ['ms', 1, false],
];

/** A PromQL double-quoted string: backslash and quote escaped, so a label value cannot end the selector. */
function promString(value: string): string {
  return JSON.stringify(value);
}

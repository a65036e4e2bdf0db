import { WINDOW_PLACEHOLDER, type Slo } from '../policy/schema.js';
import { recordedQuery } from '../policy/slo-sources/recorded.js';
import type { QueryName } from './window-reading.js';

/** One instant query and what its number means for an SLO window. */
export type SliQueries = { kind: 'events'; error: string; total: string } | { kind: 'raw'; ratio: string; name?: QueryName };

/** Replaces every `{{.window}}` with the window. Fails on any placeholder left behind. */
export function renderQuery(template: string, window: string): string {
  const out = template.replace(WINDOW_PLACEHOLDER, window);
  if (out.includes('{{')) throw new Error(`query template has an unresolved placeholder: ${template}`);
  return out;
}

export function sliQueries(slo: Slo, window: string): SliQueries {
  // `sloth.recorded: true`: Sloth's recorded error ratio for the windows it records; the raw queries for the rest.
  const recorded = recordedQuery(slo.recorded, window);
  if (recorded) return { kind: 'raw', ratio: recorded, name: 'recordedSeries' };
  const { events, raw } = slo.sli;
  if (events) return { kind: 'events', error: renderQuery(events.errorQuery, window), total: renderQuery(events.totalQuery, window) };
  if (raw) return { kind: 'raw', ratio: renderQuery(raw.errorRatioQuery, window) };
  throw new Error(`SLO ${slo.name} has no SLI`);
}

/** Every window an SLO needs, each once, in the order the rules name them, then the budget period. */
export function windowsOf(slo: Slo, rules: ReadonlyArray<{ long: string; short: string }>): string[] {
  return [...new Set([...rules.flatMap((r) => [r.long, r.short]), slo.period])];
}

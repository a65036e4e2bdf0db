import { parseDuration } from '../duration.js';
import { WINDOW_PLACEHOLDER } from '../schema.js';
import type { OpensloReference } from './reference.js';
import type { SourceResult, SourceSlo } from './sloth.js';
import { isPlainObject, list, quote, text } from './values.js';

/**
 * Reads one SLO out of an OpenSLO v1 file: `kind: SLO` with a `ratioMetric` indicator on
 * Prometheus, inline (`spec.indicator`) or an `SLI` in the same file (`spec.indicatorRef`).
 * `good`/`bad`/`total` queries become an events SLI and `rawType` + `raw` a raw one. A query with
 * `{{.window}}` is used as written; a counter given as a plain selector is wrapped in
 * `sum(rate(selector[{{.window}}]))`. Anything else is refused, naming what is unsupported. Pure.
 */
export function readOpenslo(documents: readonly unknown[], ref: Pick<OpensloReference, 'name'>): SourceResult {
  const objects = documents.filter(isPlainObject);
  const other = objects.find((doc) => typeof doc.apiVersion === 'string' && /^openslo\//.test(doc.apiVersion) && doc.apiVersion !== 'openslo/v1');
  const v1 = objects.filter((doc) => doc.apiVersion === 'openslo/v1');
  const slos = v1.filter((doc) => doc.kind === 'SLO');
  if (slos.length === 0) {
    if (other) return { ok: false, key: 'file', message: `apiVersion ${quote(text(other.apiVersion))} is not supported: only openslo/v1` };
    const hint = objects.some((doc) => doc.version === 'prometheus/v1' || doc.apiVersion === 'sloth.slok.dev/v1') ? ' (it is a Sloth file: use `sloth:`)' : '';
    return { ok: false, key: 'file', message: `holds no OpenSLO \`apiVersion: openslo/v1\`, \`kind: SLO\` document${hint}` };
  }
  const names = slos.map(nameOf);
  const matching = ref.name === undefined ? slos : slos.filter((doc) => nameOf(doc) === ref.name);
  if (matching.length === 0) return { ok: false, key: 'name', message: `has no SLO named ${quote(ref.name ?? '')}; it has ${list(names)}` };
  if (matching.length > 1) {
    return ref.name === undefined
      ? { ok: false, key: 'name', message: `holds ${matching.length} SLOs (${list(names)}): name one with \`name:\`` }
      : { ok: false, key: 'name', message: `has ${matching.length} SLOs named ${quote(ref.name)}` };
  }
  const slo = matching[0]!;
  const name = nameOf(slo);
  const fail = (message: string): SourceResult => ({ ok: false, message: `SLO ${quote(name)}: ${message}` });
  const spec = isPlainObject(slo.spec) ? slo.spec : {};

  const method = spec.budgetingMethod;
  if (method !== undefined && method !== 'Occurrences') {
    return fail(`budgetingMethod ${quote(text(method))} is not supported: only Occurrences (slo-gate counts events)`);
  }
  const period = periodOf(spec.timeWindow);
  if (!period.ok) return fail(period.message);
  const objective = objectiveOf(spec.objectives);
  if (!objective.ok) return fail(objective.message);
  const indicator = indicatorOf(spec, v1);
  if (!indicator.ok) return fail(indicator.message);
  const sli = sliOf(indicator.spec);
  if (!sli.ok) return fail(sli.message);
  const service = typeof spec.service === 'string' ? spec.service : undefined;
  const out: SourceSlo = { name, objective: objective.value, sli: sli.sli, ...(service ? { service } : {}), ...(period.value ? { period: period.value } : {}) };
  return { ok: true, slo: out };
}

type Result<T> = ({ ok: true } & T) | { ok: false; message: string };

function nameOf(doc: Record<string, unknown>): string {
  return isPlainObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '';
}

/** One rolling window, as a Prometheus duration; a calendar window is not a rolling budget. */
function periodOf(timeWindow: unknown): Result<{ value?: string }> {
  if (timeWindow === undefined) return { ok: true };
  const window: unknown = Array.isArray(timeWindow) && timeWindow.length === 1 ? (timeWindow as unknown[])[0] : undefined;
  if (!isPlainObject(window)) return { ok: false, message: 'timeWindow must list one window' };
  if (window.isRolling !== true) return { ok: false, message: 'a calendar timeWindow (isRolling: false) is not supported: slo-gate keeps a rolling budget' };
  const duration = typeof window.duration === 'string' ? window.duration : '';
  return parseDuration(duration) === undefined
    ? { ok: false, message: `timeWindow duration ${quote(duration)} is not a Prometheus duration (such as 28d or 4w)` }
    : { ok: true, value: duration };
}

/** `target` (0–1) or `targetPercent`, as a percent; exactly one objective. */
function objectiveOf(objectives: unknown): Result<{ value: unknown }> {
  if (!Array.isArray(objectives) || objectives.length === 0) return { ok: false, message: 'objectives must list one objective' };
  if (objectives.length > 1) return { ok: false, message: `has ${objectives.length} objectives: slo-gate reads an SLO with exactly one` };
  const [objective] = objectives as unknown[];
  if (!isPlainObject(objective)) return { ok: false, message: 'objectives[0] must be a mapping' };
  if (typeof objective.target === 'number') return { ok: true, value: Number((objective.target * 100).toPrecision(12)) };
  if (objective.targetPercent !== undefined) return { ok: true, value: objective.targetPercent };
  return { ok: false, message: 'objectives[0] needs `target` (e.g. 0.999) or `targetPercent` (e.g. 99.9)' };
}

function indicatorOf(spec: Record<string, unknown>, documents: ReadonlyArray<Record<string, unknown>>): Result<{ spec: Record<string, unknown> }> {
  let indicator: unknown = spec.indicator;
  if (indicator === undefined && typeof spec.indicatorRef === 'string') {
    const target = spec.indicatorRef;
    indicator = documents.find((doc) => doc.kind === 'SLI' && nameOf(doc) === target);
    if (indicator === undefined)
      return { ok: false, message: `indicatorRef ${quote(target)} names no \`kind: SLI\` in the same file: slo-gate reads only this file` };
  }
  if (!isPlainObject(indicator) || !isPlainObject(indicator.spec))
    return { ok: false, message: 'needs an indicator (`spec.indicator` with a `spec`, or `spec.indicatorRef`)' };
  return { ok: true, spec: indicator.spec };
}

function sliOf(spec: Record<string, unknown>): Result<{ sli: SourceSlo['sli'] }> {
  if (spec.thresholdMetric !== undefined) return { ok: false, message: 'thresholdMetric is not supported: only a ratioMetric' };
  const ratio = spec.ratioMetric;
  if (!isPlainObject(ratio)) return { ok: false, message: 'needs a ratioMetric' };
  if (ratio.raw !== undefined) {
    const raw = queryOf(ratio.raw, 'raw', false);
    if (!raw.ok) return raw;
    if (ratio.rawType === 'failure') return { ok: true, sli: { raw: { errorRatioQuery: raw.query } } };
    if (ratio.rawType === 'success') return { ok: true, sli: { raw: { errorRatioQuery: `1 - (${raw.query})` } } };
    return { ok: false, message: 'ratioMetric.rawType must be failure or success' };
  }
  const counter = ratio.counter === true;
  const [good, bad, total] = (['good', 'bad', 'total'] as const).map((key) => (ratio[key] === undefined ? undefined : queryOf(ratio[key], key, counter)));
  for (const query of [good, bad, total]) if (query && !query.ok) return query;
  const text = (query: typeof good) => (query?.ok ? query.query : undefined);
  const [goodQuery, badQuery, totalQuery] = [text(good), text(bad), text(total)];
  if (totalQuery !== undefined && badQuery !== undefined) return events(badQuery, totalQuery);
  if (totalQuery !== undefined && goodQuery !== undefined) return events(`(${totalQuery}) - (${goodQuery})`, totalQuery);
  if (goodQuery !== undefined && badQuery !== undefined) return events(badQuery, `(${goodQuery}) + (${badQuery})`);
  return { ok: false, message: 'ratioMetric needs two of good, bad and total (or rawType and raw)' };
}

function events(errorQuery: string, totalQuery: string): Result<{ sli: SourceSlo['sli'] }> {
  return { ok: true, sli: { events: { errorQuery, totalQuery } } };
}

/** A bare metric selector: `name` or `name{labels}`, nothing around it. */
const SELECTOR = /^\s*([A-Za-z_:][A-Za-z0-9_:]*\s*(?:\{[^{}]*\})?)\s*$/;

/** The metric source's query over `{{.window}}`: as written if it has the placeholder, or a counter's selector wrapped in a rate. */
function queryOf(part: unknown, key: string, counter: boolean): Result<{ query: string }> {
  const source = isPlainObject(part) ? part.metricSource : undefined;
  if (!isPlainObject(source)) return { ok: false, message: `ratioMetric.${key} needs a metricSource` };
  if (typeof source.type !== 'string' || source.type.toLowerCase() !== 'prometheus') {
    return { ok: false, message: `ratioMetric.${key}: metricSource type ${quote(text(source.type))} is not supported: only Prometheus` };
  }
  const query = isPlainObject(source.spec) ? source.spec.query : undefined;
  if (typeof query !== 'string' || query.trim() === '') return { ok: false, message: `ratioMetric.${key}.metricSource.spec.query must be a PromQL query` };
  if (new RegExp(WINDOW_PLACEHOLDER.source).test(query)) return { ok: true, query };
  const selector = SELECTOR.exec(query);
  if (counter && selector) return { ok: true, query: `sum(rate(${selector[1]!.trim()}[{{.window}}]))` };
  return {
    ok: false,
    message:
      `ratioMetric.${key} query ${quote(query)} cannot be read over a window: ` +
      (counter
        ? 'give a metric selector such as http_requests_total{code!~"5.."}, or write the query with {{.window}}'
        : 'without `counter: true` the query is used as written, so it needs {{.window}}') +
      ', e.g. sum(rate(http_requests_total[{{.window}}]))',
  };
}

import type { SlothReference } from './reference.js';
import { isPlainObject, list, quote, text } from './values.js';

/**
 * Reads one SLO out of a Sloth file: its `prometheus/v1` spec, or the Kubernetes CRD form
 * (`apiVersion: sloth.slok.dev/v1`, `kind: PrometheusServiceLevel`, the same fields camelCased
 * under `spec`). Events (`error_query`/`total_query`) and raw (`error_ratio_query`) SLIs are
 * supported, with Sloth's `{{.window}}`; SLI plugins are not. Pure.
 */

/** What a Sloth or OpenSLO file says about one SLO: still to be checked like a policy's own `sli` and `objective`. */
export interface SourceSlo {
  /** The SLO's name in the file, and its service (Sloth's `sloth_service` label), if it has one. */
  name: string;
  service?: string;
  objective: unknown;
  sli: { events: { errorQuery: unknown; totalQuery: unknown } } | { raw: { errorRatioQuery: unknown } };
  /** Sloth's `prometheus/v1` spec names its queries in snake_case (`error_query`). */
  snakeCase?: boolean;
  /** The file's rolling period (OpenSLO `timeWindow`), when it says one. */
  period?: string;
}

/** `message` completes "<file>: …" and names the part of the file that is wrong or unsupported. */
export type SourceResult = { ok: true; slo: SourceSlo } | { ok: false; message: string; key?: 'file' | 'slo' | 'name' };

interface SlothSpec {
  service: unknown;
  slos: unknown;
  form: 'spec' | 'crd';
}

export function readSloth(documents: readonly unknown[], ref: Pick<SlothReference, 'slo'>): SourceResult {
  const specs: SlothSpec[] = [];
  for (const doc of documents) {
    if (!isPlainObject(doc)) continue;
    if (doc.version === 'prometheus/v1') specs.push({ service: doc.service, slos: doc.slos, form: 'spec' });
    else if (doc.apiVersion === 'sloth.slok.dev/v1' && doc.kind === 'PrometheusServiceLevel' && isPlainObject(doc.spec)) {
      specs.push({ service: doc.spec.service, slos: doc.spec.slos, form: 'crd' });
    }
  }
  if (specs.length === 0) return { ok: false, key: 'file', message: notSloth(documents) };

  const found: Array<{ slo: Record<string, unknown>; spec: SlothSpec }> = [];
  for (const spec of specs) {
    if (!Array.isArray(spec.slos)) return { ok: false, message: '`slos` must be a list of SLOs' };
    for (const slo of spec.slos) if (isPlainObject(slo) && typeof slo.name === 'string') found.push({ slo, spec });
  }
  const names = found.map(({ slo }) => String(slo.name));
  const matching = ref.slo === undefined ? found : found.filter(({ slo }) => slo.name === ref.slo);
  if (matching.length === 0) {
    return ref.slo === undefined
      ? { ok: false, message: 'holds no SLO with a `name`' }
      : { ok: false, key: 'slo', message: `has no SLO named ${quote(ref.slo)}; it has ${list(names)}` };
  }
  if (matching.length > 1) {
    return ref.slo === undefined
      ? { ok: false, key: 'slo', message: `holds ${matching.length} SLOs (${list(names)}): name one with \`slo:\`` }
      : { ok: false, key: 'slo', message: `has ${matching.length} SLOs named ${quote(ref.slo)}; rename one so the reference is unambiguous` };
  }
  const { slo, spec } = matching[0]!;
  const where = `SLO ${quote(String(slo.name))}`;
  if (typeof spec.service !== 'string' || spec.service === '') return { ok: false, message: `${spec.form === 'crd' ? 'spec.' : ''}service must be a name` };
  const sli = slothSli(slo.sli, spec.form);
  if (!sli.ok) return { ok: false, message: `${where}: ${sli.message}` };
  return { ok: true, slo: { name: String(slo.name), service: spec.service, objective: slo.objective, sli: sli.sli, snakeCase: spec.form === 'spec' } };
}

function slothSli(sli: unknown, form: SlothSpec['form']): { ok: true; sli: SourceSlo['sli'] } | { ok: false; message: string } {
  const key = (snake: string, camel: string) => (form === 'spec' ? snake : camel);
  if (!isPlainObject(sli)) return { ok: false, message: 'sli must be a mapping with `events` or `raw`' };
  if (sli.plugin !== undefined)
    return { ok: false, message: 'sli.plugin is not supported: slo-gate cannot run Sloth SLI plugins; write the SLI as `events` or `raw`' };
  const { events, raw } = sli;
  if ((events === undefined) === (raw === undefined)) return { ok: false, message: 'sli needs exactly one of `events` or `raw`' };
  if (isPlainObject(events)) {
    return { ok: true, sli: { events: { errorQuery: events[key('error_query', 'errorQuery')], totalQuery: events[key('total_query', 'totalQuery')] } } };
  }
  if (isPlainObject(raw)) return { ok: true, sli: { raw: { errorRatioQuery: raw[key('error_ratio_query', 'errorRatioQuery')] } } };
  return { ok: false, message: `sli.${events === undefined ? 'raw' : 'events'} must be a mapping of queries` };
}

function notSloth(documents: readonly unknown[]): string {
  const first = documents.find(isPlainObject);
  const said =
    first === undefined
      ? 'no mapping'
      : typeof first.apiVersion === 'string'
        ? `apiVersion ${quote(first.apiVersion)}`
        : typeof first.version === 'string'
          ? `version ${quote(first.version)}`
          : 'neither';
  const hint = /^openslo\//.test(text(first?.apiVersion ?? first?.version)) ? ' (it is an OpenSLO file: use `openslo:`)' : '';
  return `is not a Sloth file: it needs \`version: prometheus/v1\`, or \`apiVersion: sloth.slok.dev/v1\` with \`kind: PrometheusServiceLevel\`, and says ${said}${hint}`;
}

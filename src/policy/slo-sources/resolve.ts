import pLimit from 'p-limit';
import { parseDuration } from '../duration.js';
import { objectiveSchema, sliSchema, type Policy, type PolicyDocument, type Slo } from '../schema.js';
import { parseSourceDocuments, type SourceDocuments } from './documents.js';
import { readOpenslo } from './openslo.js';
import { recordedSeries } from './recorded.js';
import { isRepositoryPath } from './reference.js';
import { readSloth, type SourceResult } from './sloth.js';
import { isPlainObject } from './values.js';

/**
 * Turns `sloth:` and `openslo:` references into plain `objective` + `sli` SLOs, so the rest of the
 * engine never sees a reference. The files are read first, at the edge (the app from the default
 * branch, the CLI from the working directory), and handed in: resolving itself is pure.
 */

/** A referenced file as the edge read it: its text, or why there is none (completes "<file> …"). */
export type SourceRead = { kind: 'text'; text: string } | { kind: 'unusable'; reason: string; missing?: boolean };
export type SourceFiles = ReadonlyMap<string, SourceRead>;

/** Files one policy may reference: one per SLO at most. */
export const MAX_SOURCE_FILES = 50;

/** A problem with a reference, as key path and message; parse-policy.ts adds the line. */
export interface SourceIssue {
  keys: PropertyKey[];
  kind: 'missing' | 'invalid';
  message: string;
}

const KEYS = ['sloth', 'openslo'] as const;

/**
 * The files a policy's SLOs reference, each once, read from the raw data before validation so
 * they can be fetched before the policy is checked. Only paths the schema would accept, and at
 * most MAX_SOURCE_FILES (a longer list of SLOs is refused by the schema anyway).
 */
export function referencedFiles(raw: unknown): string[] {
  const slos = isPlainObject(raw) && Array.isArray(raw.slos) ? (raw.slos as unknown[]) : [];
  const files = new Set<string>();
  for (const slo of slos.slice(0, MAX_SOURCE_FILES)) {
    for (const key of KEYS) {
      const ref = isPlainObject(slo) ? slo[key] : undefined;
      const file = isPlainObject(ref) ? ref.file : undefined;
      if (typeof file === 'string' && file.length <= 200 && isRepositoryPath(file)) files.add(file);
    }
  }
  return [...files];
}

/** Reads every referenced file with `read` (a few at a time); `read` throws for a failure that is not the file's fault. */
export async function readSourceFiles(paths: readonly string[], read: (path: string) => Promise<SourceRead>): Promise<Map<string, SourceRead>> {
  const limit = pLimit(4);
  const reads = await Promise.all(paths.map((path) => limit(async () => [path, await read(path)] as const)));
  return new Map(reads);
}

/**
 * The policy with every reference replaced by the SLO it names; or every problem, each at the key
 * path of the reference (`slos[0].sloth.file`, `slos[1].openslo`) and naming the file. A reference
 * to a file not in `files` is a problem too: a policy is never used half-resolved.
 */
export function resolveSloSources(
  document: PolicyDocument,
  files: SourceFiles = new Map(),
): { ok: true; policy: Policy } | { ok: false; issues: SourceIssue[] } {
  const issues: SourceIssue[] = [];
  const parsed = new Map<string, SourceDocuments>();
  const slos = document.slos.map((slo, index): Slo | undefined => {
    if (slo.sli && slo.objective !== undefined) return { ...slo, objective: slo.objective, sli: slo.sli };
    const key = slo.sloth ? 'sloth' : 'openslo';
    const ref = slo.sloth ?? slo.openslo;
    const at = (...more: PropertyKey[]) => ['slos', index, key, ...more];
    if (!ref) {
      issues.push({ keys: ['slos', index, 'sli'], kind: 'missing', message: 'is required' });
      return undefined;
    }
    const read = files.get(ref.file);
    if (!read) {
      issues.push({
        keys: at('file'),
        kind: 'invalid',
        message: `${ref.file} was not read: the app and \`slo-gate\` read referenced files before they check a policy`,
      });
      return undefined;
    }
    if (read.kind === 'unusable') {
      issues.push({ keys: at('file'), kind: read.missing ? 'missing' : 'invalid', message: `${ref.file} ${read.reason}` });
      return undefined;
    }
    let docs = parsed.get(ref.file);
    if (!docs) parsed.set(ref.file, (docs = parseSourceDocuments(read.text)));
    if (!docs.ok) {
      issues.push({ keys: at('file'), kind: 'invalid', message: `${ref.file} ${docs.reason}` });
      return undefined;
    }
    const result: SourceResult = slo.sloth ? readSloth(docs.documents, slo.sloth) : readOpenslo(docs.documents, slo.openslo ?? {});
    if (!result.ok) {
      // "<file> is not a Sloth file", "<file> has no SLO named …"; "<file>: SLO "x": …" for what is inside one SLO.
      const joined = /^(is|has|holds) /.test(result.message) ? ' ' : ': ';
      issues.push({ keys: result.key ? at(result.key) : at(), kind: 'invalid', message: `${ref.file}${joined}${result.message}` });
      return undefined;
    }
    const source = result.slo;
    const where = `${ref.file}: SLO ${JSON.stringify(source.name)}`;
    const objective = objectiveSchema.safeParse(source.objective, { reportInput: true });
    const sli = sliSchema.safeParse(source.sli, { reportInput: true });
    if (!objective.success) issues.push({ keys: at(), kind: 'invalid', message: `${where}: objective ${describe(objective.error.issues[0])}` });
    if (!sli.success) {
      for (const issue of sli.error.issues) {
        const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'sli';
        issues.push({ keys: at(), kind: 'invalid', message: `${where}: ${queryName(field, key, source.snakeCase)} ${describe(issue)}` });
      }
    }
    if (source.period !== undefined && parseDuration(source.period) !== parseDuration(slo.period)) {
      // The budget is the one the file states, or the two would disagree on what is left of it.
      const message = `is ${slo.period}, but ${where} keeps a rolling ${source.period} window: set \`period: ${source.period}\``;
      issues.push({ keys: ['slos', index, 'period'], kind: 'invalid', message });
      return undefined;
    }
    if (!objective.success || !sli.success) return undefined;
    const recorded = slo.sloth?.recorded ? recordedSeries(source.service ?? '', source.name, slo.period) : undefined;
    return { ...slo, objective: objective.data, sli: sli.data, ...(recorded ? { recorded } : {}) };
  });
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, policy: { ...document, slos: slos.filter((slo): slo is Slo => slo !== undefined) } };
}

/** The file's own name for a query, so the message points at the line to fix there. */
function queryName(field: string, key: (typeof KEYS)[number], snakeCase = false): string {
  if (key === 'openslo') {
    return (
      {
        'events.errorQuery': 'the error query (ratioMetric bad, or total − good)',
        'events.totalQuery': 'the total query',
        'raw.errorRatioQuery': 'ratioMetric.raw',
      }[field] ?? field
    );
  }
  return `sli.${snakeCase ? field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) : field}`;
}

function describe(issue: { code: string; message: string; input?: unknown } | undefined): string {
  if (!issue) return 'is invalid';
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is missing';
  return /^Invalid input/.test(issue.message) ? 'must be a PromQL query (text)' : issue.message;
}

/** The Sloth and OpenSLO files a resolved policy was made from: a change to one of them changes the policy. */
export function sourceFilesOf(policy: Pick<PolicyDocument, 'slos'>): string[] {
  return [...new Set(policy.slos.flatMap((slo) => [slo.sloth?.file, slo.openslo?.file].filter((file): file is string => file !== undefined)))];
}

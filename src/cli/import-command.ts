import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PolicyError, formatProblem } from '../errors.js';
import { NAME } from '../policy/burn-rate.js';
import { parsePolicyText } from '../policy/parse-policy.js';
import { parseSourceDocuments } from '../policy/slo-sources/documents.js';
import { readOpenslo } from '../policy/slo-sources/openslo.js';
import { isRepositoryPath } from '../policy/slo-sources/reference.js';
import type { SourceFiles } from '../policy/slo-sources/resolve.js';
import { readSloth } from '../policy/slo-sources/sloth.js';
import { isPlainObject } from '../policy/slo-sources/values.js';
import { EXIT, usageError, type CliIo, type Command } from './shared.js';
import { readLocalFile } from './slo-source-files.js';

const USAGE = `slo-gate import sloth|openslo FILE
    Prints a policy to start from (YAML, on standard output) whose SLOs point at the SLOs of a
    Sloth file (prometheus/v1, or the sloth.slok.dev/v1 PrometheusServiceLevel CRD) or an OpenSLO
    v1 file, instead of copying their queries: the gate reads FILE from the default branch at each
    evaluation, so the file stays the one place they are written. Run it from the repository root:
    FILE must be inside the repository. SLOs slo-gate cannot read are listed on standard error and
    left out. The policy starts in \`mode: warn\`. No network access.
  Examples:
    slo-gate import sloth slo/checkout.yml > .github/slo-gate.yml
    slo-gate import openslo slo/checkout.yaml
  Exit status: 0 a policy was printed, 2 nothing in FILE could be imported (or bad usage).`;

/** `slo-gate import`: a starting policy for the SLOs a team has written down already. */
export const importCommand: Command = { usage: USAGE, run: importSlos };

type Kind = 'sloth' | 'openslo';

async function importSlos(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, strict: true });
  const [kind, given, ...extra] = positionals;
  if ((kind !== 'sloth' && kind !== 'openslo') || given === undefined || extra.length > 0) {
    throw usageError('import takes a format, sloth or openslo, and one FILE');
  }
  const file = repositoryPath(given);
  // The same reader `validate` uses: the size bound, and a clear reason for a missing file.
  const read = await readLocalFile(process.cwd(), file);
  if (read.kind !== 'text') throw usageError(`${file} ${read.reason}`);
  const parsed = parseSourceDocuments(read.text);
  if (!parsed.ok) throw usageError(`${file} ${parsed.reason}`);

  const candidates = sloNames(kind, parsed.documents);
  const sources: SourceFiles = new Map([[file, read]]);
  const imported: string[] = [];
  const used = new Set<string>();
  for (const { name, service, period } of candidates) {
    const entry = sloEntry(kind, file, name, policyName(service ? `${service}-${name}` : name, used), period);
    try {
      // Each SLO on its own, so one the gate cannot read does not hide the others.
      parsePolicyText(`slos:\n${entry}`, sources);
      imported.push(entry);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      io.err(`slo-gate: left out SLO ${JSON.stringify(name)}: ${error.problems.map((p) => formatProblem({ ...p, line: undefined })).join('; ')}`);
    }
  }
  if (imported.length === 0) {
    io.err(`slo-gate: ${file} holds no SLO slo-gate can read${candidates.length === 0 ? `: it ${notFound(kind, parsed.documents)}` : ''}`);
    return EXIT.error;
  }
  io.out(policyText(kind, file, imported));
  return EXIT.pass;
}

/** FILE as the policy names it: relative to the repository root (the working directory). */
function repositoryPath(given: string): string {
  const path = relative(process.cwd(), resolve(given)).split('\\').join('/');
  if (!isRepositoryPath(path)) {
    throw usageError(`${given} must be a file inside the repository: run slo-gate import from the repository root, with a path below it`);
  }
  return path;
}

/** Every SLO the file names, with its service: the ones the resolver will be asked for, one at a time. */
function sloNames(kind: Kind, documents: readonly unknown[]): Array<{ name: string; service?: string; period?: string }> {
  const out: Array<{ name: string; service?: string; period?: string }> = [];
  for (const doc of documents.filter(isPlainObject)) {
    if (kind === 'openslo') {
      if (doc.apiVersion !== 'openslo/v1' || doc.kind !== 'SLO' || !isPlainObject(doc.metadata) || typeof doc.metadata.name !== 'string') continue;
      // OpenSLO states its rolling window; the policy's `period` then says the same.
      const read = readOpenslo(documents, { name: doc.metadata.name });
      out.push({ name: doc.metadata.name, ...(read.ok && read.slo.period ? { period: read.slo.period } : {}) });
      continue;
    }
    const spec = doc.version === 'prometheus/v1' ? doc : doc.apiVersion === 'sloth.slok.dev/v1' && isPlainObject(doc.spec) ? doc.spec : undefined;
    if (!spec || !Array.isArray(spec.slos)) continue;
    for (const slo of spec.slos as unknown[]) {
      if (isPlainObject(slo) && typeof slo.name === 'string')
        out.push({ name: slo.name, ...(typeof spec.service === 'string' ? { service: spec.service } : {}) });
    }
  }
  return out;
}

function notFound(kind: Kind, documents: readonly unknown[]): string {
  const result = kind === 'sloth' ? readSloth(documents, {}) : readOpenslo(documents, {});
  return result.ok ? 'names none' : result.message;
}

/** A policy SLO name from the file's: letters, digits, '-', '_' and '.', at most 64, unique. */
function policyName(wanted: string, used: Set<string>): string {
  const base = wanted.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60) || 'slo';
  let name = base;
  for (let n = 2; used.has(name) || !NAME.test(name); n++) name = `${base}-${n}`;
  used.add(name);
  return name;
}

function sloEntry(kind: Kind, file: string, name: string, policyName: string, period: string | undefined): string {
  const key = kind === 'sloth' ? 'slo' : 'name';
  const lines = [
    `  - name: ${policyName}`,
    ...(period ? [`    period: ${scalar(period)}   # the OpenSLO timeWindow`] : []),
    `    ${kind}:`,
    `      file: ${scalar(file)}`,
    `      ${key}: ${scalar(name)}`,
  ];
  if (kind === 'sloth') lines.push("      # recorded: true   # read Sloth's recording rules (slo:sli_error:ratio_rate<window>) where it has them");
  return `${lines.join('\n')}\n`;
}

function policyText(kind: Kind, file: string, entries: readonly string[]): string {
  return `# A policy to start from, made by \`slo-gate import ${kind} ${file}\`. Commit it as .github/slo-gate.yml.
# Each SLO's objective and SLI are read from ${file} on the default branch at every evaluation.
# Check it with \`npx slo-gate validate\`; see the README for burnRate, budget and bypass.
mode: warn   # report what the gate would do, without blocking; switch to enforce once it reads right
slos:
${entries.join('').trimEnd()}`;
}

/** A YAML scalar: plain when it is plainly safe, else double-quoted (JSON strings are YAML). */
function scalar(value: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9._/-]*$/.test(value) ? value : JSON.stringify(value);
}

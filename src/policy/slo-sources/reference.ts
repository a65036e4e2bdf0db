import { z } from 'zod';

/**
 * `sloth:` and `openslo:` on a policy SLO: where in the repository its objective and SLI are
 * written down already. Only the reference is checked here; the file is read and turned into a
 * plain `sli` + `objective` by resolve.ts before the engine sees the SLO. Pure.
 */

/** The longest path accepted, in characters. GitHub allows longer; a policy never needs them. */
const MAX_PATH_LENGTH = 200;
const NAME_LENGTH = 128;

/**
 * A file in the same repository, relative to its root: no leading `/`, no `.` or `..` segment, no
 * backslash, no control character. The app reads it from the default branch; the CLI from the
 * working directory, which is the repository root.
 */
export const sourceFile = z
  .string()
  .min(1, { error: 'must name a file, e.g. slo/checkout.yml' })
  .max(MAX_PATH_LENGTH, { error: `must be at most ${MAX_PATH_LENGTH} characters` })
  .refine((path) => isRepositoryPath(path), {
    error: "must be a path inside the repository, relative to its root (e.g. slo/checkout.yml), without '..', '\\' or a leading '/'",
  });

export function isRepositoryPath(path: string): boolean {
  if (path.startsWith('/') || path.includes('\\') || [...path].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return false;
  return path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

const sourceName = z.string().min(1).max(NAME_LENGTH);

export const slothReference = z.strictObject({
  file: sourceFile,
  /** The SLO's `name` in the Sloth file; optional when the file holds one SLO. */
  slo: sourceName.optional(),
  /** Read Sloth's recording rules (`slo:sli_error:ratio_rate<window>`) for the windows Sloth records. */
  recorded: z.boolean().default(false),
});

export const opensloReference = z.strictObject({
  file: sourceFile,
  /** The `metadata.name` of the OpenSLO `SLO`; optional when the file holds one. */
  name: sourceName.optional(),
});

export type SlothReference = z.output<typeof slothReference>;
export type OpensloReference = z.output<typeof opensloReference>;

/** The keys that say where an SLO's SLI comes from; exactly one of them is set. */
const SOURCES = ['sli', 'sloth', 'openslo'] as const;

interface SloSources {
  objective?: unknown;
  sli?: unknown;
  sloth?: unknown;
  openslo?: unknown;
}

/** Exactly one of `sli`, `sloth` or `openslo`; `objective` with `sli` only (a file brings its own). */
export function sloSourceProblems(slo: SloSources, ctx: z.RefinementCtx): void {
  const set = SOURCES.filter((key) => slo[key] !== undefined);
  if (set.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['sli'], message: 'is required (or `sloth:` or `openslo:`, to read the SLI and objective from a file)' });
  } else if (set.length > 1) {
    ctx.addIssue({ code: 'custom', path: [set[1]!], message: `cannot be used together with \`${set[0]}\`: an SLO has exactly one of sli, sloth or openslo` });
  } else if (set[0] === 'sli' && slo.objective === undefined) {
    // Reported as a missing key, as it was when `objective` was required outright.
    ctx.addIssue({ code: 'invalid_type', expected: 'number', input: undefined, path: ['objective'] });
  } else if (set[0] !== 'sli' && slo.objective !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['objective'], message: `comes from the ${set[0] === 'sloth' ? 'Sloth' : 'OpenSLO'} file: remove it here` });
  }
}

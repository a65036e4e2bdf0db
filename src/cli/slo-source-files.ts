import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_POLICY_BYTES, parseBoundedYaml } from '../policy/bounded-yaml.js';
import { readSourceFiles, referencedFiles, type SourceFiles, type SourceRead } from '../policy/slo-sources/resolve.js';

/**
 * The Sloth and OpenSLO files a policy's SLOs reference, read from `root` (the working directory:
 * the repository root, where the app would read them from the default branch), with the policy's
 * own size bound, checked before the file is read. A policy that does not parse references none:
 * parsing it again reports why.
 */
export async function readLocalSloSources(policyText: string, root = process.cwd()): Promise<SourceFiles> {
  const parsed = parseBoundedYaml(policyText);
  if (!parsed.ok) return new Map();
  return readSourceFiles(referencedFiles(parsed.value), (path) => readLocalFile(root, path));
}

/** One file under `root`, its size checked before it is read. */
export async function readLocalFile(root: string, path: string): Promise<SourceRead> {
  const full = join(root, path);
  try {
    const info = await stat(full);
    if (!info.isFile()) return { kind: 'unusable', reason: 'is not a file' };
    if (info.size > MAX_POLICY_BYTES) return { kind: 'unusable', reason: `is larger than ${MAX_POLICY_BYTES / 1024} KiB` };
    return { kind: 'text', text: await readFile(full, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return { kind: 'unusable', reason: `does not exist under ${root} (paths are relative to the repository root: run slo-gate there)`, missing: true };
    }
    return { kind: 'unusable', reason: `cannot be read: ${code ?? (error as Error).message}` };
  }
}

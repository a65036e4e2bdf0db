import type { PolicyFile } from '../policy/compose-policy.js';
import type { RepoRef } from '../policy/extends-target.js';
import { readSourceFiles, referencedFiles, type SourceFiles, type SourceRead } from '../policy/slo-sources/resolve.js';
import type { FileRead } from './policy-source.js';

export type ReadRepoFile = (where: RepoRef, path: string) => Promise<FileRead>;

/**
 * Reads the Sloth and OpenSLO files a policy's SLOs reference, from the default branch of the
 * repository whose policy file lists those SLOs (the nearest file of the chain that sets `slos`:
 * a list replaces the inherited one), with the policy's own size bound. No reference, no request.
 * A file that is absent or refused becomes a problem for validation; any other failure throws.
 */
export async function readSloSources(read: ReadRepoFile, chain: readonly RepoRef[], files: readonly PolicyFile[]): Promise<SourceFiles> {
  const index = files.findIndex((file) => Object.hasOwn(file.data, 'slos'));
  const where = chain[index];
  if (index < 0 || !where) return new Map();
  const paths = referencedFiles({ slos: files[index]!.data.slos });
  if (paths.length === 0) return new Map();
  return readSourceFiles(paths, async (path) => sourceRead(await read(where, path), where));
}

function sourceRead(read: FileRead, where: RepoRef): SourceRead {
  switch (read.kind) {
    case 'text':
      return read;
    case 'absent':
      return { kind: 'unusable', reason: `does not exist on the default branch of ${where.owner}/${where.repo}, or the App cannot read it`, missing: true };
    case 'refused':
      // The summary never quotes the file: "it is larger than 64 KiB", "it is not a file".
      return { kind: 'unusable', reason: read.summary.replace(/^it /, '') };
  }
}

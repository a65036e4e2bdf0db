import { readFileSync } from 'node:fs';
import { PolicyError, type PolicyProblem } from '../../../src/errors.js';
import { parsePolicyText } from '../../../src/policy/parse-policy.js';
import type { Policy } from '../../../src/policy/schema.js';
import type { SourceFiles, SourceRead } from '../../../src/policy/slo-sources/resolve.js';

export const fixture = (path: string) => readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');

/** The files the fixtures hold, keyed as a policy names them (`slo/...` → test/fixtures/...). */
export function sources(files: Record<string, string | SourceRead>): SourceFiles {
  return new Map(Object.entries(files).map(([path, value]) => [path, typeof value === 'string' ? { kind: 'text', text: value } : value]));
}

/** A policy of one SLO, given as the YAML lines under `- name: checkout`. */
export function policyText(sloLines: string): string {
  return `slos:\n  - name: checkout\n${sloLines
    .trim()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n')}\n`;
}

export function resolved(sloLines: string, files: SourceFiles): Policy {
  return parsePolicyText(policyText(sloLines), files);
}

/** Every problem as `path | line N | message`. */
export function problemsOf(sloLines: string, files?: SourceFiles): string[] {
  try {
    parsePolicyText(policyText(sloLines), files);
  } catch (error) {
    if (error instanceof PolicyError) return error.problems.map(format);
    throw error;
  }
  throw new Error('expected the policy to be invalid');
}

const format = (p: PolicyProblem) => [p.path, p.line === undefined ? '' : `line ${p.line}`, p.message].filter(Boolean).join(' | ');

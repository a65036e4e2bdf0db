import type { Scope, SloApplies } from '../policy/paths.js';
import { firstLines } from './bound.js';

/** The status description of a pull request that no SLO gates, because it changes none of their paths. */
export const NOT_AFFECTED = 'Not affected: no gated paths changed';

const MAX_LISTED = 50;

/** True when SLOs have paths and none of them, nor any SLO without paths, gates this pull request. */
export function notAffected(scope: Scope | undefined): scope is Scope {
  return scope !== undefined && scope.applicable.length === 0;
}

/** The comment body for a pull request no SLO gates; the scope section (below it) says which paths each SLO has. */
export function renderNotAffected(): string[] {
  return [
    '### 🟢 slo-gate: not affected, no gated paths changed',
    '',
    'Every SLO in the policy is limited to `paths`, and this pull request changes none of them.',
  ];
}

/** "Which SLOs gate this pull request, and why": one line per SLO; nothing when no SLO has `paths`. */
export function renderScope(scope: Scope | undefined): string[] {
  if (!scope) return [];
  const lines = ['', '**Which SLOs gate this pull request** (`slos[].paths`)'];
  if (scope.failedClosed) {
    const why =
      scope.failedClosed.why === 'too-many'
        ? `${scope.failedClosed.detail}, so slo-gate cannot tell which services it touches`
        : `its changed files could not be read (${scope.failedClosed.detail}); slo-gate tries again on the next look`;
    lines.push(`> Every SLO gates this pull request: ${why}.`);
  }
  lines.push(...firstLines(scope.slos.map(line), MAX_LISTED, (n) => `- … and ${n} more SLOs.`));
  return lines;
}

function line(entry: SloApplies): string {
  const name = `**${entry.slo}**`;
  switch (entry.because) {
    case 'no-paths':
      return `- ${name} applies: no paths, so it applies to every change.`;
    case 'matched':
      return `- ${name} applies: \`${code(entry.file)}\` matches \`${code(entry.glob)}\`.`;
    case 'files-unknown':
      return `- ${name} applies: the changed files are not known (fail closed).`;
    case 'too-costly':
      return `- ${name} applies: matching its paths took too long (fail closed).`;
    case 'no-match':
      return `- ${name} does not apply: none of the ${entry.files} changed files matches its paths.`;
  }
}

/** A file name or glob inside backticks: a backtick or a line break in it must not end the code span. */
function code(text: string): string {
  return text.replace(/[`\r\n]/g, '?').slice(0, 200);
}

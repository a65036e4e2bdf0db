import type { Verdict } from '../gate/types.js';
import { recordedQuery } from '../policy/slo-sources/recorded.js';
import { formatBurn } from './numbers.js';

/**
 * What the significance guard did, for the comment: rules it held back (over their factor, but
 * with too few failed requests to mean something), and SLIs it cannot judge (a raw ratio has no
 * counts, so its rules fire on the ratio alone). Pure.
 */
export function renderGuardNotes(verdict: Verdict): string[] {
  const notes: string[] = [];
  for (const result of verdict.assessment.slos) {
    if (result.guard === 'no counts') {
      notes.push(
        `> **${result.slo.name}** is a raw error ratio without request counts, so the significance guard (at least ${result.minErrors} failed requests in a rule's long window) cannot apply to it: its rules fire on the ratio alone.`,
      );
    }
    const recorded = result.guard === 'on' ? result.rules.filter(({ rule }) => recordedQuery(result.slo.recorded, rule.long) !== undefined) : [];
    if (recorded.length > 0) {
      const windows = [...new Set(recorded.map(({ rule }) => rule.long))].join(', ');
      notes.push(
        `> **${result.slo.name}** reads Sloth's recorded error ratios (\`sloth.recorded\`) over ${windows}, which carry no request counts, so the significance guard cannot hold back ${recorded.map(({ rule }) => `\`${rule.name}\``).join(', ')}: ${recorded.length === 1 ? 'it fires' : 'they fire'} on the ratio alone.`,
      );
    }
    for (const rule of result.rules) {
      if (!rule.heldBack || rule.long.burnRate === undefined) continue;
      const { failed, minErrors } = rule.heldBack;
      notes.push(
        `> Rule \`${rule.rule.name}\` of **${result.slo.name}** is at ${formatBurn(rule.long.burnRate, rule.rule.factor)} over ${rule.long.window}, but that window holds ${count(failed)}, fewer than the ${minErrors} it takes to call it a burn (\`burnRate.minErrors\`): it does not block.`,
      );
    }
  }
  return notes;
}

function count(failed: number): string {
  const rounded = failed < 10 ? Math.round(failed * 10) / 10 : Math.round(failed);
  return `${rounded} failed request${rounded === 1 ? '' : 's'}`;
}

import type { Reason, Verdict } from '../gate/types.js';
import { POLICY_PATH } from '../policy/parse-policy.js';

/**
 * A change freeze (`freeze:`) in words, for the status and the comment. Always "change freeze",
 * never "frozen", which is the budget tier of `budget.freezeBelow`. Pure.
 */

type FreezeReason = Extract<Reason, { kind: 'freeze' }>;

/** `2026-12-07 08:00 UTC (09:00 Europe/Berlin)`: UTC, and the window's own zone, with its date when it differs. */
export function formatFreezeEnd(endsAt: string, zone: string): string {
  const moment = new Date(endsAt);
  const utc = wallClock(moment, 'UTC');
  if (zone === 'UTC') return `${utc.date} ${utc.time} UTC`;
  const local = wallClock(moment, zone);
  return `${utc.date} ${utc.time} UTC (${local.date === utc.date ? '' : `${local.date} `}${local.time} ${zone})`;
}

/** One line: `change freeze until … : weekend freeze`, or how it was lifted. */
export function freezeSentence(reason: FreezeReason): string {
  if (reason.allowedBy) return `change freeze "${reason.reason}" lifted by label ${reason.allowedBy.label} (applied by @${reason.allowedBy.actor})`;
  return `change freeze until ${formatFreezeEnd(reason.endsAt, reason.zone)}: ${reason.reason}`;
}

/** The comment's explanation of the freeze, with the way out and any allowed label that did not count. */
export function explainFreeze(reason: FreezeReason, verdict: Pick<Verdict, 'minPermission'>): string {
  const where = `(\`freeze[${reason.window}]\` in \`${POLICY_PATH}\`)`;
  if (reason.allowedBy) {
    return `**Change freeze** ${where}: ${reason.reason}. Lifted for this pull request by the label \`${reason.allowedBy.label}\`, applied by @${reason.allowedBy.actor}.`;
  }
  const lines = [
    `**Change freeze** ${where}: ${reason.reason}. Merging is blocked until ${formatFreezeEnd(reason.endsAt, reason.zone)}, whatever the error budget says.`,
  ];
  const labels = reason.allowLabels.map((l) => `\`${l}\``).join(' or ');
  if (labels) lines.push(`Someone with ${verdict.minPermission} permission or higher can add the label ${labels} to let this pull request through the freeze.`);
  for (const refused of reason.refused) {
    lines.push(
      refused.actor
        ? `The label \`${refused.label}\` was applied by @${refused.actor}, who has ${refused.permission} permission; lifting the freeze needs ${verdict.minPermission} or higher, so it is ignored.`
        : `The label \`${refused.label}\` is ignored: slo-gate cannot tell who applied it.`,
    );
  }
  return lines.join(' ');
}

/** What to do while a freeze holds the change: wait for its end, when slo-gate looks again by itself. */
export function freezeAdvice(verdict: Verdict): string[] {
  const freeze = verdict.assessment.reasons.find((r): r is FreezeReason => r.kind === 'freeze' && !r.allowedBy);
  if (!freeze || verdict.state === 'success') return [];
  return [`**Wait for the freeze to end** at ${formatFreezeEnd(freeze.endsAt, freeze.zone)}: slo-gate looks again then by itself.`];
}

function wallClock(moment: Date, zone: string): { date: string; time: string } {
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (offset) {
    const minutes = (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]));
    const shifted = new Date(moment.getTime() + minutes * 60_000).toISOString();
    return { date: shifted.slice(0, 10), time: shifted.slice(11, 16) };
  }
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(moment)
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

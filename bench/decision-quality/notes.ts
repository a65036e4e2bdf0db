/**
 * The prose of the decision-quality section that explains the default policy: which targets
 * conflict, which side it takes and why. Kept apart from render.ts so the numbers' code stays small.
 */
export const NOTES = {
  conflicts: [
    '**Where targets conflict.** The default policy is still the SRE Workbook\u2019s paging rules; the gating defaults',
    'are not designed yet, so no conflict has been chosen.',
  ],
  why: [
    "**Why.** The Workbook's page-level rules for a 30-day budget decide when to wake a person: `fast` fires when the",
    "last hour spent 2 % of the month's budget (burn 14.4), `slow` when the last 6 h spent 5 % (burn 6), each confirmed by",
    'a short window. What spends less than that passes by design, and the 30-minute short window holds the gate for',
    'half an hour after an outage has ended.',
  ],
};

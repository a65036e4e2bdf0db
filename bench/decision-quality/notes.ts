/**
 * The prose of the decision-quality section that explains the default policy: which targets
 * conflict, which side it takes and why. Kept apart from render.ts so the numbers' code stays small.
 * The figures quoted here come from the tables this section prints; check them after a change.
 */
export const NOTES = {
  conflicts: [
    '**Where targets conflict, and what the defaults chose.**',
    '',
    '- *Reopening after an outage, or staying shut through a flapping dependency.* Minutes after the last failure, no',
    '  window can tell "it has stopped" from "it comes back in a quarter of an hour": the longest short window decides',
    '  both. At 15 minutes (`slow` 1h/15m) the hard outage reopens 15 min after its end, exactly the limit, and the',
    '  flapping dependency (a failure every 15 min) keeps the gate shut; a dependency failing every 25 min opens it',
    '  between failures (the variant row: not met). We chose the reopening: holding every merge for half an hour after',
    '  each incident is the complaint that started this work, and each new failure blocks again within a minute (`acute`).',
    '- *Noise at low traffic, or a small leak at low traffic.* The guard (a rule fires only when its long window holds',
    '  20 failed requests) keeps a healthy service at 2 req/s from blocking (in this replay, while choosing it: with 10,',
    '  burn 0.8 blocked 25 min a day on average; with 15, 15 min on the worst seed; with none, the low-traffic service',
    '  blocked an hour a day). The price is paid at 2 req/s: the leak (burn 1.7) is not blocked, and a',
    '  bad deploy at burn 5 only after about half an hour. At the sustainable rate an hour of 2 req/s holds 7 failed',
    '  requests: a leak that small cannot be told from noise within an hour.',
    '- *The leak, or a healthy service at 0.8×.* `slow` needs a factor between the healthy 0.8 (with noise) and the',
    "  leak's 1.7; at 1.5 it blocks the leak in under an hour, but the leak's own rhythm dips under 1.5, so the gate is",
    '  open for part of the leak after its first block. A lower factor would block healthy services.',
  ],
  why: [
    '**Why.** The default rules are budget arithmetic (README, "Why these defaults"): each fires once its long window has',
    'spent about 0.1–0.2 % of the 30-day budget (`acute` 5 min, `fast` 15 min, `slow` 1 h), so a burn `b` is blocked after',
    'roughly `fraction × 30 days / b`: a hard outage in its first minute, 2 % errors in 3, burn 5 to 6 in 9 to 11, a',
    'leak at 1.7 in under an hour. Short windows of 1, 5 and 15 min reopen the gate within 15 min of the errors stopping.',
    "The Workbook's paging rules wait until the last hour spent 2 % of the budget, or the last 6 h 5 %: right for waking",
    'a person, too late for a merge gate, and their 30-minute short window holds the gate for half an hour after an outage.',
  ],
};

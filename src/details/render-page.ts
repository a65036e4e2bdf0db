import type { Verdict } from '../gate/types.js';
import type { Policy } from '../policy/schema.js';
import { expectedPass } from '../render/budget-policy.js';
import { describeReport, groupMissing, sentence } from '../render/describe.js';
import { formatPercent, formatSpan } from '../render/numbers.js';
import type { History } from './collect.js';
import { budgetChart, burnChart, type Marker } from './render-charts.js';
import { escapeXml } from './svg/escape.js';
import { formatUtc } from './svg/scale.js';

export interface PageContent {
  /** `acme/shop`. */
  repo: string;
  /** What the page is about, for people: `commit abc1234` or `deployment 42 of abc1234 to production`. */
  subject: string;
  policy: Policy;
  history: History;
  markers: readonly Marker[];
  /** Why there are no deploy markers, when there are none for a reason (the deployments could not be read). */
  markersNote?: string;
  /** When the gate looks again while it blocks; undefined when it does not (a deployment is decided once). */
  recheckEveryMs?: number;
}

const STYLE = `body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2328;background:#fff;margin:0}
main{max-width:860px;margin:0 auto;padding:16px 20px 40px}h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 4px;border-bottom:1px solid #d0d7de}
h3{font-size:14px;margin:14px 0 2px}.meta{color:#57606a}.key{margin-right:12px;white-space:nowrap}.swatch{display:inline-block;width:12px;height:3px;margin:0 4px 3px 0;vertical-align:middle}
.state-failure{color:#cf222e}.state-error{color:#9a6700}.state-success{color:#1a7f37}svg{max-width:100%;height:auto;display:block}
.shade{display:inline-block;width:12px;height:10px;background:rgba(209,36,47,.25);vertical-align:middle}.gap{display:inline-block;width:12px;height:10px;background:rgba(140,149,159,.35);vertical-align:middle}
footer{margin-top:32px;color:#57606a;font-size:12px}code{font-size:12px;background:#f6f8fa;padding:1px 4px;border-radius:4px}`;

/** The details page: the verdict and its reasons as in the comment, then each SLO's charts. Pure; every text escaped. */
export function renderPage(content: PageContent): string {
  const { policy, history } = content;
  const { verdict } = history;
  const title = `slo-gate: ${content.repo} ${content.subject}`;
  const body = [
    `<h1 class="state-${verdict.state}">${escapeXml(headline(verdict))}</h1>`,
    `<p class="meta">${escapeXml(content.repo)} · ${escapeXml(content.subject)} · as of ${escapeXml(formatUtc(history.asOf))}</p>`,
    `<p>${inline(describeReport({ kind: 'verdict', verdict }))}</p>`,
    reasons(verdict),
    ...outlook(verdict, content.recheckEveryMs),
    ...policy.slos.map((slo, i) => sloSection(content, i)),
    footer(content),
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="referrer" content="no-referrer"><meta name="robots" content="noindex"><title>${escapeXml(title)}</title><style>${STYLE}</style></head><body><main>${body.join('\n')}</main></body></html>`;
}

/** Words, not emoji: a server without an emoji font shows them as boxes. */
function headline(verdict: Verdict): string {
  const warn = verdict.mode === 'warn' ? ' (warn mode, not enforced)' : '';
  switch (verdict.wouldBe) {
    case 'pass':
      return `Passing: the error budget is healthy${warn}`;
    case 'warn':
      return `Passing, but the error budget is running low${warn}`;
    case 'block':
      return verdict.mode === 'warn' ? `Would block${warn}` : 'Blocked';
    case 'missing':
      return verdict.state === 'success' ? `Passing with metrics missing (the policy allows it)${warn}` : 'Blocked: metrics are missing';
  }
}

function reasons(verdict: Verdict): string {
  const items = groupMissing(verdict.assessment.reasons).map((r) => `<li>${inline(sentence(r))}</li>`);
  return items.length > 0 ? `<ul class="reasons">${items.join('')}</ul>` : '';
}

function outlook(verdict: Verdict, recheckEveryMs: number | undefined): string[] {
  if (verdict.state === 'success') return [];
  const lines: string[] = [];
  if (verdict.expectedPassInMs !== undefined) {
    lines.push(
      verdict.expectedPassBasis === 'errors stop'
        ? inline(expectedPass(verdict.expectedPassInMs))
        : `<strong>Expected to pass</strong> in about ${escapeXml(formatSpan(verdict.expectedPassInMs))}, once the error budget recovers at the current error rate.`,
    );
  } else {
    lines.push('No estimate of when this passes: the data is missing, or the budget is not recovering.');
  }
  if (recheckEveryMs !== undefined) {
    // The same choice as the re-check schedule (gate-target.ts nextLookMs): the usual interval, or sooner when expected to pass.
    const next =
      verdict.expectedPassInMs !== undefined && Number.isFinite(verdict.expectedPassInMs)
        ? Math.min(recheckEveryMs, Math.max(30_000, verdict.expectedPassInMs))
        : recheckEveryMs;
    lines.push(`slo-gate looks again within ${escapeXml(formatSpan(next))}, and on every push or label change.`);
  }
  return [`<p>${lines.join(' ')}</p>`];
}

function sloSection(content: PageContent, index: number): string {
  const { policy, history, markers } = content;
  const slo = policy.slos[index]!;
  const result = history.verdict.assessment.slos[index];
  const left = result?.budget.left;
  const parts = [
    `<section><h2>${escapeXml(slo.name)}</h2>`,
    `<p class="meta">Objective ${escapeXml(String(slo.objective))}% over ${escapeXml(slo.period)}${left === undefined ? '' : `; ${escapeXml(formatPercent(left))} of the error budget left`}.</p>`,
  ];
  for (const span of history.spans) {
    const chart = burnChart(span.slos[index]!, span, policy, markers);
    parts.push(`<h3>Burn rate, last ${escapeXml(span.span.label)}</h3>`, `<p class="meta">${chart.legend}</p>`, chart.svg);
  }
  const longest = history.spans.at(-1)!;
  parts.push(`<h3>Error budget left, last ${escapeXml(longest.span.label)}</h3>`, budgetChart(longest.slos[index]!, longest, policy, markers), '</section>');
  return parts.join('\n');
}

function footer(content: PageContent): string {
  const enforced = content.policy.mode === 'warn' ? ' as if the policy were enforced' : '';
  const notes = [
    `<span class="shade"></span> the gate would have blocked${enforced} (a burn-rate rule fired or a budget tier blocked); <span class="gap"></span> metrics were missing. A line stops where data is missing; it is never drawn across a gap. Dashed lines: each rule's factor, and the budget tiers. Dotted vertical lines: deployments.`,
    'A burn rate of 1× spends exactly the whole error budget over the SLO period. Bypass labels and allowed labels of a pull request are not considered on this page.',
  ];
  if (content.markersNote) notes.push(escapeXml(content.markersNote));
  return `<footer>${notes.map((n) => `<p>${n}</p>`).join('')}</footer>`;
}

/** The comment's inline Markdown (bold, code) as HTML, escaped first. */
function inline(markdown: string): string {
  return escapeXml(markdown)
    .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** The same body for every link that does not open: forged, altered, expired, or naming nothing there is. */
export const NOT_FOUND_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Not found</title></head><body><h1>Not found</h1><p>This link does not lead anywhere. It may have expired.</p></body></html>';

export const BUSY_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Try again</title></head><body><h1>Try again in a moment</h1><p>The details page is busy or could not read the metrics just now.</p></body></html>';

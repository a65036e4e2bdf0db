/** How the demo's steps read in a terminal: what a person would see on GitHub, as text. Pure. */
import type { SimulatedReview, SimulatedStatus } from './github-simulator.js';
import { markdownToText } from './markdown-text.js';

export interface Style {
  color: boolean;
}

const SYMBOL: Record<string, string> = { success: '✔', failure: '✖', error: '!', pending: '●' };
const COLOR: Record<string, string> = { success: '32', failure: '31', error: '31', pending: '33', approved: '32', rejected: '31' };

function paint(style: Style, code: string | undefined, text: string): string {
  return style.color && code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

export function heading(style: Style, text: string): string {
  return `\n${paint(style, '1', `▶ ${text}`)}`;
}

/** `#1 1f3b7d1  ✖ slo-gate: failure  Blocked: …`, the line of the pull request's checks list. */
export function statusLine(style: Style, number: number, status: SimulatedStatus): string[] {
  const mark = paint(style, COLOR[status.state], `${SYMBOL[status.state] ?? '?'} ${status.context}: ${status.state}`);
  const lines = [`  #${number} ${status.sha.slice(0, 7)}  ${mark}  ${status.description}`];
  if (status.targetUrl) lines.push(`    Details: ${status.targetUrl}`);
  return lines;
}

/** A comment as a quoted box under who wrote it. */
export function commentBox(style: Style, title: string, markdown: string): string[] {
  return [`  ${paint(style, '2', title)}`, ...markdownToText(markdown).map((line) => `  │ ${line}`.trimEnd())];
}

export function reviewLines(style: Style, review: SimulatedReview): string[] {
  const what = review.state ? paint(style, COLOR[review.state], review.state) : paint(style, '33', 'waiting (progress report)');
  return commentBox(style, `Deployment protection rule for run ${review.runId} → ${review.environment}: ${what}`, review.comment);
}

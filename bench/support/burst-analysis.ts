/**
 * Turns what the GitHub stub, the Prometheus proxy and the app's /metrics recorded during a burst
 * into the figures: latency per delivery, requests per event, write spacing and its floor.
 */
import type { BurstPlan, PlannedDelivery } from './burst-plan.js';
import type { CommentWrite, GitHubStub, StatusWrite } from './github-stub.js';
import type { ProxiedQuery } from './prometheus-proxy.js';
import { metricSum } from './app-process.js';
import { summarize, type Summary } from './stats.js';
import type { Sent } from './webhooks.js';

/** Octokit's spacing (@octokit/plugin-throttling): every write, and writes that notify people. */
export const WRITE_SPACING_MS = 1000;
export const NOTIFYING_SPACING_MS = 3000;

export type Outcome =
  'written' | 'no write needed' | 'superseded' | 'never written' | 'redelivery' | 'title edit' | 'late, superseded' | 'late, written' | 'not sent';

export interface DeliveryOutcome {
  delivery: PlannedDelivery;
  outcome: Outcome;
  /** Send to the first status POST for its (repo, SHA) at or after sending. */
  latencyMs?: number;
  /** Send to the status POST this delivery itself caused (x-github-delivery), if any. */
  ownLatencyMs?: number;
}

export interface BurstFigures {
  sent: number;
  answers: Record<string, number>;
  outcomes: DeliveryOutcome[];
  counts: Record<Outcome, number>;
  latency: Summary;
  ownLatency: Summary;
  /** First send to the last status POST, to the first and last write of any kind, and to the last webhook answer. */
  completionMs: number;
  firstWriteMs: number;
  lastWriteMs: number;
  sendingMs: number;
  reads: number;
  writes: number;
  tokens: number;
  byRoute: Array<[string, number]>;
  unexpected: string[];
  /** Per installation and in all: writes, notifying writes (comment creations), and their floors. */
  installations: Array<{ id: number; writes: number; creates: number; floorMs: number; staleWrites: number; neededFloorMs: number }>;
  floorPerInstallationMs: number;
  /** The same, without the writes for heads already replaced. */
  neededFloorPerInstallationMs: number;
  floorOneQueueMs: number;
  /**
   * Smallest gap between two consecutive status writes of different installations. Statuses go
   * out as soon as Octokit's write queue lets them (comments may wait longer, for the 3 s spacing),
   * so with one queue per installation this gap is often near 0, with one queue for all near 1 s.
   */
  minStatusGapAcrossInstallationsMs: number | undefined;
  /** Writes per second while GitHub was written to (first to last write). */
  writeRate: number;
  /** Status writes for a head after its pull request's newer head had been sent. */
  staleHeadStatusWrites: number;
  staleHeadCommentWrites: number;
  /** Rewrites on the same head with the same state (status) or headline (comment): only figures moved. */
  figureOnlyStatusWrites: number;
  figureOnlyCommentEdits: number;
  prometheus: { requests: number; distinct: number; maxPerQueryWithinTtl: number | undefined; spanMs: number; maxInFlight: number };
  metrics: { queries: number; cacheHits: number; writes: Record<string, number>; skipped: Record<string, number>; decisions: number };
}

export function analyseBurst(
  plan: BurstPlan,
  sent: ReadonlyArray<Sent | undefined>,
  stub: GitHubStub,
  queries: readonly ProxiedQuery[],
  metrics: Map<string, number>,
  ttlMs: number,
): BurstFigures {
  const statusesOf = new Map<string, StatusWrite[]>();
  for (const s of [...stub.statuses].sort((a, b) => a.arrivedAt - b.arrivedAt)) {
    const key = `${s.repo}@${s.sha}`;
    statusesOf.set(key, [...(statusesOf.get(key) ?? []), s]);
  }
  const outcomes = plan.deliveries.map((delivery, index): DeliveryOutcome => {
    const s = sent[index];
    if (!s) return { delivery, outcome: 'not sent' };
    const { owner, repo, sha } = delivery.event;
    const writes = statusesOf.get(`${owner}/${repo}@${sha}`) ?? [];
    const own = writes.find((w) => w.delivery === delivery.id);
    const ownLatencyMs = own && delivery.expect !== 'duplicate' ? own.arrivedAt - s.sentAt : undefined;
    if (delivery.expect === 'duplicate') return { delivery, outcome: 'redelivery' };
    if (delivery.expect === 'ignored') return { delivery, outcome: 'title edit' };
    if (delivery.expect === 'late') return { delivery, outcome: own ? 'late, written' : 'late, superseded', ownLatencyMs };
    const after = writes.find((w) => w.arrivedAt >= s.sentAt);
    if (after) return { delivery, outcome: 'written', latencyMs: after.arrivedAt - s.sentAt, ownLatencyMs };
    if (writes.length > 0) return { delivery, outcome: 'no write needed', ownLatencyMs };
    // Sent close behind its pull request's next event, it can reach the app after it: then it is rightly skipped.
    const newer = plan.heads
      .get(delivery.pr)!
      .slice(delivery.head + 1)
      .some((h) => statusesOf.has(`${owner}/${repo}@${h}`));
    return { delivery, outcome: newer ? 'superseded' : 'never written', ownLatencyMs };
  });
  const counts = Object.fromEntries(
    (
      ['written', 'no write needed', 'superseded', 'never written', 'redelivery', 'title edit', 'late, superseded', 'late, written', 'not sent'] as Outcome[]
    ).map((o) => [o, outcomes.filter((x) => x.outcome === o).length]),
  ) as Record<Outcome, number>;

  const sentTimes = sent.filter((s): s is Sent => s !== undefined);
  const first = Math.min(...sentTimes.map((s) => s.sentAt));
  const lastStatus = Math.max(...stub.statuses.map((s) => s.arrivedAt));
  const answers: Record<string, number> = {};
  for (const s of sentTimes) answers[String(s.status)] = (answers[String(s.status)] ?? 0) + 1;

  const routes = new Map<string, number>();
  for (const r of stub.requests) {
    const key = `${r.route}${r.status >= 400 && !r.route.includes('404') ? ` (${r.status})` : ''}`;
    routes.set(key, (routes.get(key) ?? 0) + 1);
  }
  const writes = stub.requests.filter((r) => r.kind === 'write');

  const ordered = [...stub.statuses].sort((a, b) => a.arrivedAt - b.arrivedAt);
  let minGapAcross: number | undefined;
  for (let i = 1; i < ordered.length; i++) {
    const gap = ordered[i]!.arrivedAt - ordered[i - 1]!.arrivedAt;
    if (ordered[i]!.installation !== ordered[i - 1]!.installation) minGapAcross = Math.min(minGapAcross ?? Infinity, gap);
  }
  const writeTimes = writes.map((w) => w.arrivedAt);
  const writeSpan = writeTimes.length > 1 ? Math.max(...writeTimes) - Math.min(...writeTimes) : 0;

  // A head is stale once the event carrying its pull request's next head has been sent.
  const replacedAt = new Map<string, number>();
  plan.deliveries.forEach((d, index) => {
    const s = sent[index];
    if (!s || d.head === 0) return;
    const old = `${d.event.owner}/${d.event.repo}@${plan.heads.get(d.pr)![d.head - 1]}`;
    replacedAt.set(old, Math.min(replacedAt.get(old) ?? Infinity, s.sentAt));
  });
  const staleStatuses = stub.statuses.filter((w) => w.arrivedAt > (replacedAt.get(`${w.repo}@${w.sha}`) ?? Infinity));
  const staleComments = stub.comments.filter((c) => {
    const heads = plan.heads.get(`${c.repo}#${c.number}`) ?? [];
    const sha = heads.find((h) => h.startsWith(c.sha7 ?? '-'));
    return sha !== undefined && c.arrivedAt > (replacedAt.get(`${c.repo}@${sha}`) ?? Infinity);
  });

  const installations = [...new Set(plan.repos.map((r) => r.installationId))].map((id) => {
    const mine = writes.filter((w) => w.installation === id);
    const creates = mine.filter((w) => w.route.startsWith('POST') && w.route.endsWith('/comments')).length;
    const staleWrites = staleStatuses.filter((w) => w.installation === id).length + staleComments.filter((c) => c.installation === id).length;
    const floor = (writes: number) => Math.max(writes * WRITE_SPACING_MS, creates * NOTIFYING_SPACING_MS);
    return { id, writes: mine.length, creates, floorMs: floor(mine.length), staleWrites, neededFloorMs: floor(mine.length - staleWrites) };
  });
  const allCreates = installations.reduce((n, i) => n + i.creates, 0);

  const previousStatus = new Map<string, StatusWrite>();
  let figureOnlyStatusWrites = 0;
  for (const w of [...stub.statuses].sort((a, b) => a.arrivedAt - b.arrivedAt)) {
    const before = previousStatus.get(`${w.repo}@${w.sha}`);
    if (before && before.state === w.state && before.description !== w.description) figureOnlyStatusWrites++;
    previousStatus.set(`${w.repo}@${w.sha}`, w);
  }
  const previousComment = new Map<string, CommentWrite>();
  let figureOnlyCommentEdits = 0;
  const headline = (body: string) => body.split('\n').find((line) => line.startsWith('### '));
  for (const c of [...stub.comments].sort((a, b) => a.arrivedAt - b.arrivedAt)) {
    const before = previousComment.get(`${c.repo}#${c.number}`);
    if (c.kind === 'update' && before && before.sha7 === c.sha7 && headline(before.body) === headline(c.body)) figureOnlyCommentEdits++;
    previousComment.set(`${c.repo}#${c.number}`, c);
  }

  const instant = queries.filter((q) => q.path.endsWith('/api/v1/query'));
  const byQuery = new Map<string, number[]>();
  for (const q of instant) byQuery.set(q.query ?? '', [...(byQuery.get(q.query ?? '') ?? []), q.arrivedAt]);
  let maxWithinTtl: number | undefined;
  if (ttlMs > 0) {
    maxWithinTtl = 0;
    for (const times of byQuery.values()) {
      times.sort((a, b) => a - b);
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= ttlMs) j++;
        maxWithinTtl = Math.max(maxWithinTtl, i - j + 1);
      }
    }
  }
  const queryTimes = instant.map((q) => q.arrivedAt);
  // Queries in flight at once, as the proxy saw them: +1 at arrival, -1 when the answer was passed on.
  const edges = instant
    .flatMap((q) => [[q.arrivedAt, 1] as const, [Number.isFinite(q.finishedAt) ? q.finishedAt : Infinity, -1] as const])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let maxInFlight = 0;
  for (const [, delta] of edges) maxInFlight = Math.max(maxInFlight, (inFlight += delta));

  const labelled = (name: string) => {
    const out: Record<string, number> = {};
    for (const [key, value] of metrics) {
      const kind = key.startsWith(`${name}{`) ? /kind="([^"]+)"/.exec(key)?.[1] : undefined;
      if (kind) out[kind] = value;
    }
    return out;
  };

  return {
    sent: sentTimes.length,
    answers,
    outcomes,
    counts,
    latency: summarize(outcomes.flatMap((o) => (o.latencyMs === undefined ? [] : [o.latencyMs]))),
    ownLatency: summarize(outcomes.flatMap((o) => (o.ownLatencyMs === undefined ? [] : [o.ownLatencyMs]))),
    completionMs: lastStatus - first,
    firstWriteMs: Math.min(...writes.map((w) => w.arrivedAt)) - first,
    lastWriteMs: Math.max(...writes.map((w) => w.arrivedAt)) - first,
    sendingMs: Math.max(...sentTimes.map((s) => s.answeredAt)) - first,
    reads: stub.requests.filter((r) => r.kind === 'read').length,
    writes: writes.length,
    tokens: stub.requests.filter((r) => r.kind === 'token').length,
    byRoute: [...routes.entries()].sort((a, b) => b[1] - a[1]),
    unexpected: stub.unexpected,
    installations,
    floorPerInstallationMs: Math.max(...installations.map((i) => i.floorMs)),
    neededFloorPerInstallationMs: Math.max(...installations.map((i) => i.neededFloorMs)),
    floorOneQueueMs: Math.max(writes.length * WRITE_SPACING_MS, allCreates * NOTIFYING_SPACING_MS),
    minStatusGapAcrossInstallationsMs: minGapAcross,
    writeRate: writeSpan > 0 ? ((writes.length - 1) * 1000) / writeSpan : 0,
    staleHeadStatusWrites: staleStatuses.length,
    staleHeadCommentWrites: staleComments.length,
    figureOnlyStatusWrites,
    figureOnlyCommentEdits,
    prometheus: {
      requests: instant.length,
      distinct: byQuery.size,
      maxPerQueryWithinTtl: maxWithinTtl,
      spanMs: queryTimes.length ? Math.max(...queryTimes) - Math.min(...queryTimes) : 0,
      maxInFlight,
    },
    metrics: {
      queries: metricSum(metrics, 'slo_gate_prometheus_queries_total'),
      cacheHits: metricSum(metrics, 'slo_gate_query_cache_hits_total'),
      writes: labelled('slo_gate_github_writes_total'),
      skipped: labelled('slo_gate_github_writes_skipped_total'),
      decisions: metricSum(metrics, 'slo_gate_decisions_total'),
    },
  };
}

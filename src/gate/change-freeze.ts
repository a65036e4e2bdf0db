import type { Policy } from '../policy/schema.js';
import { hasPermission } from './bypass.js';
import { activeFreeze, windowsInForce, type FreezeInForce } from './freeze.js';
import type { Assessment, BypassCandidate, ExpectedPass, Reason } from './types.js';

export type FreezeReason = Extract<Reason, { kind: 'freeze' }>;

/** What a change freeze means for one change at one moment. */
export interface ChangeFreeze {
  reason: FreezeReason;
  /** False when every window in force is lifted for this change by one of its allowed labels. */
  blocks: boolean;
  /** While it blocks: how long until no window holds the change any more. */
  endsInMs?: number;
}

/**
 * The change freeze at `at` for a change with these labels, or undefined when no window is in
 * force. A window is lifted for the change by one of its `allowLabels` applied by someone with
 * `bypass.minPermission` (the same check as a bypass label); every window in force must be lifted
 * for the change to pass. Pure.
 */
export function changeFreeze(policy: Pick<Policy, 'freeze' | 'bypass'>, at: Date, candidates: readonly BypassCandidate[]): ChangeFreeze | undefined {
  // A policy cached by a replica that predates `freeze:` (src/org/policy-cache.ts) has no list: no window.
  if (!policy.freeze || policy.freeze.length === 0) return undefined;
  const permitted = (c: BypassCandidate) => c.actor !== undefined && hasPermission(c.permission, policy.bypass.minPermission);
  const applied = (index: number) => candidates.filter((c) => policy.freeze[index]?.allowLabels.includes(c.label));
  const allowance = (index: number) => applied(index).find(permitted);
  const refused = (index: number) => applied(index).filter((c) => !permitted(c));
  const active = activeFreeze(policy, at, (index) => allowance(index) !== undefined);
  if (active) {
    const endsInMs = active.endsAt.getTime() - at.getTime();
    const reason = reasonOf(active.window, { endsAt: active.endsAt, zone: active.endsIn, refused: refused(active.window.index) });
    return { reason, blocks: true, endsInMs };
  }
  const lifted = windowsInForce(policy.freeze, at).sort((a, b) => b.end.getTime() - a.end.getTime())[0];
  if (!lifted) return undefined;
  const by = allowance(lifted.index)!;
  return {
    reason: { ...reasonOf(lifted, { endsAt: lifted.end, zone: lifted.zone, refused: [] }), allowedBy: { label: by.label, actor: by.actor! } },
    blocks: false,
  };
}

function reasonOf(inForce: FreezeInForce, { endsAt, zone, refused }: { endsAt: Date; zone: string; refused: BypassCandidate[] }): FreezeReason {
  const { index, window } = inForce;
  return { kind: 'freeze', window: index, reason: window.reason, endsAt: endsAt.toISOString(), zone, allowLabels: window.allowLabels, refused };
}

/** The assessment with the freeze in it: its reason first, and a block when it holds the change. */
export function withFreeze(assessment: Assessment, freeze: ChangeFreeze | undefined): Assessment {
  if (!freeze) return assessment;
  return { ...assessment, state: freeze.blocks ? 'block' : assessment.state, reasons: [freeze.reason, ...assessment.reasons] };
}

/**
 * When a change held by a freeze should pass: when the freeze ends if nothing else blocks, the
 * later of the two if the measurements block too and say when they clear, and no estimate when
 * they block without one (or data is missing).
 */
export function passAfterFreeze(measured: Assessment, measuredPass: ExpectedPass | undefined, freeze: ChangeFreeze): ExpectedPass | undefined {
  const freezePass: ExpectedPass = { inMs: freeze.endsInMs ?? 0, basis: 'freeze ends' };
  if (measured.state === 'pass' || measured.state === 'warn') return freezePass;
  if (measured.state === 'missing' || measuredPass === undefined) return undefined;
  return measuredPass.inMs > freezePass.inMs ? measuredPass : freezePass;
}

/** Every label that can lift a change-freeze window, once each: who applied them is looked up like a bypass label's. */
export function freezeAllowLabels(policy: Pick<Policy, 'freeze'>): string[] {
  return [...new Set((policy.freeze ?? []).flatMap((window) => window.allowLabels))];
}

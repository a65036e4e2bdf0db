import { describe, expect, it } from 'vitest';
import { decide } from '../../src/gate/decide.js';
import type { Report } from '../../src/gate/report.js';
import { nextGroupRunMs, opensGate, untilNextTick, writeOrder } from '../../src/org/gate-group.js';
import { policyFingerprint } from '../../src/org/policy-cache.js';
import { verdictSignature } from '../../src/org/verdict-signature.js';
import { allWindows, policyWith, readingsOf } from '../support/readings.js';

const policy = policyWith();
const verdict = (ratios: Record<string, number | string>, labels: string[] = []): Report => ({
  kind: 'verdict',
  verdict: decide(policy, readingsOf({ checkout: ratios }), [], labels),
});
const burning = (ratio: number) => ({ ...allWindows(0.0005), '1h': ratio, '5m': ratio });

describe('whether a gate group writes a verdict again', () => {
  it('does not, when only the numbers moved: a burn of 20× and of 19× block for the same rule', () => {
    expect(verdictSignature(verdict(burning(0.02)))).toBe(verdictSignature(verdict(burning(0.019))));
  });

  it('does, when the state flips from blocked to passing', () => {
    expect(verdictSignature(verdict(burning(0.02)))).not.toBe(verdictSignature(verdict(allWindows(0.0005))));
  });

  it('does, when another rule blocks', () => {
    const slow = { ...allWindows(0.0005), '6h': 0.01, '30m': 0.01 };
    expect(verdictSignature(verdict(burning(0.02)))).not.toBe(verdictSignature(verdict(slow)));
  });

  it('does, when data goes missing (an error, not a block)', () => {
    expect(verdictSignature(verdict(burning(0.02)))).not.toBe(verdictSignature(verdict({ ...burning(0.02), '5m': 'timed out' })));
  });

  it('treats every failed evaluation alike, whatever its message', () => {
    expect(verdictSignature({ kind: 'failed', message: 'deadline of 60 s' })).toBe(verdictSignature({ kind: 'failed', message: 'connection reset' }));
  });
});

describe('gate groups', () => {
  it('put policies that gate alike in one group, whatever environments they deploy', () => {
    const deploying = policyWith({ environments: { production: {} } });
    expect(policyFingerprint(deploying)).toBe(policyFingerprint(policy));
    expect(policyFingerprint(policyWith({ mode: 'warn' }))).not.toBe(policyFingerprint(policy));
  });

  it('write the longest blocked pull request first', () => {
    const member = (since: number) => ({ sha: 'a', signature: 's', repoPolicy: 'p', since, checkedAt: 0 });
    expect(writeOrder({ 'o/r#3': member(30), 'o/r#1': member(10), 'o/q#2': member(10) })).toEqual(['o/q#2', 'o/r#1', 'o/r#3']);
  });

  it('leave pull requests with a label that could open the gate to be confirmed one by one', () => {
    const restricted = policyWith({ bypass: { labels: ['hotfix'] }, budget: { warnBelow: 50, restrictBelow: 50, allowLabels: ['reliability'] } });
    expect([opensGate(restricted, ['hotfix']), opensGate(restricted, ['reliability']), opensGate(restricted, ['bug'])]).toEqual([true, true, false]);
    expect(opensGate(policy, ['hotfix', 'reliability'])).toBe(false);
  });

  it('run on a shared tick, so policies that share an SLO ask Prometheus for it once', () => {
    const interval = 300_000;
    expect(untilNextTick(3 * interval + 1_000, interval)).toBe(interval - 1_000);
    expect(untilNextTick(3 * interval, interval)).toBe(interval);
    // After a run: the next tick at least half an interval away, not the one a moment later.
    expect(nextGroupRunMs(4 * interval - 1_000, interval, interval)).toBe(interval + 1_000);
    expect(nextGroupRunMs(4 * interval - 1_000, interval, 60_000)).toBe(60_000);
  });
});

import { describe, expect, it } from 'vitest';
import { QueryError } from '../../src/errors.js';
import { measureDeployment } from '../../src/metrics/verification.js';
import type { MetricsSource } from '../../src/metrics/source.js';
import { policyWith, slo } from '../support/readings.js';

const DEPLOYED = new Date('2026-11-22T10:00:00Z');
const NOW = new Date('2026-11-22T10:15:00Z');

/** Answers by the moment a query is evaluated at ('after': now, 'before': the deploy) and by query kind. */
class TimedSource implements MetricsSource {
  readonly asked: Array<{ query: string; at: string | undefined }> = [];
  constructor(private readonly answer: (query: string, when: 'after' | 'before') => number | Error) {}
  async queryScalar(query: string, at?: Date): Promise<number> {
    this.asked.push({ query, at: at?.toISOString() });
    await Promise.resolve();
    const value = this.answer(query, at?.getTime() === DEPLOYED.getTime() ? 'before' : 'after');
    if (value instanceof Error) throw value;
    return value;
  }
}

const isErrors = (query: string) => query.includes('5..');

describe('measureDeployment: what a post-deploy check reads', () => {
  it('reads errors and requests over the time since the deploy, ending now and ending at the deploy', async () => {
    const source = new TimedSource((query, when) => (isErrors(query) ? (when === 'after' ? 0.5 : 0.01) : 10));
    const readings = await measureDeployment(policyWith(), source, { deployedAt: DEPLOYED, at: NOW });

    expect(readings.get('checkout')).toEqual({ after: { ok: true, ratio: 0.05 }, before: { ok: true, ratio: 0.001 }, requests: 9000 });
    expect(source.asked).toHaveLength(4);
    expect(source.asked).toContainEqual({ query: 'sum(rate(http_requests_total{job="checkout"}[900s]))', at: NOW.toISOString() });
    expect(source.asked).toContainEqual({ query: 'sum(rate(http_requests_total{job="checkout"}[900s]))', at: DEPLOYED.toISOString() });
  });

  it('uses whole seconds since the deploy as the window', async () => {
    const source = new TimedSource(() => 1);
    await measureDeployment(policyWith(), source, { deployedAt: DEPLOYED, at: new Date(DEPLOYED.getTime() + 61_999) });
    expect(new Set(source.asked.map((a) => a.query.match(/\[(\w+)\]/)?.[1]))).toEqual(new Set(['61s']));
  });

  it('reads a raw ratio SLI, which cannot count requests', async () => {
    const policy = policyWith({ slos: [{ name: 'search', objective: 99, sli: { raw: { errorRatioQuery: 'search:ratio[{{.window}}]' } } }] });
    const readings = await measureDeployment(policy, new TimedSource((_q, when) => (when === 'after' ? 0.02 : 0.01)), { deployedAt: DEPLOYED, at: NOW });
    expect(readings.get('search')).toEqual({ after: { ok: true, ratio: 0.02 }, before: { ok: true, ratio: 0.01 }, requests: undefined });
  });

  it('turns a failed query into missing data that names the query, never into a pass', async () => {
    const source = new TimedSource((query, when) =>
      when === 'before' && isErrors(query) ? new QueryError('cannot reach http://prometheus:9090 (ECONNREFUSED)', query) : 0.001,
    );
    const readings = await measureDeployment(policyWith(), source, { deployedAt: DEPLOYED, at: NOW });
    expect(readings.get('checkout')?.before).toEqual({ ok: false, reason: 'errorQuery cannot reach http://prometheus:9090 (ECONNREFUSED)' });
    expect(readings.get('checkout')?.after.ok).toBe(true);
  });

  it('reads no traffic since the deploy as no traffic, with zero requests', async () => {
    const readings = await measureDeployment(policyWith(), new TimedSource(() => 0), { deployedAt: DEPLOYED, at: NOW });
    expect(readings.get('checkout')).toEqual({ after: { ok: true, ratio: NaN }, before: { ok: true, ratio: NaN }, requests: 0 });
  });

  it('leaves the request count out when the total is not a count', async () => {
    const source = new TimedSource((query) => (isErrors(query) ? 0 : -1));
    const reading = (await measureDeployment(policyWith(), source, { deployedAt: DEPLOYED, at: NOW })).get('checkout')!;
    expect(reading.after.ok).toBe(false);
    expect(reading.requests).toBeUndefined();
  });

  it('sends a query shared by two SLOs once per moment', async () => {
    const shared = { name: 'b', objective: 99, sli: slo('checkout').sli };
    const source = new TimedSource(() => 1);
    await measureDeployment(policyWith({ slos: [slo('checkout'), shared] }), source, { deployedAt: DEPLOYED, at: NOW });
    expect(source.asked).toHaveLength(4);
  });

  it('lets an unexpected error through instead of calling it missing data', async () => {
    const source = new TimedSource(() => new TypeError('bug'));
    await expect(measureDeployment(policyWith(), source, { deployedAt: DEPLOYED, at: NOW })).rejects.toThrow(TypeError);
  });

  it('refuses a check less than a second after the deploy', async () => {
    await expect(measureDeployment(policyWith(), new TimedSource(() => 1), { deployedAt: DEPLOYED, at: new Date(DEPLOYED.getTime() + 999) })).rejects.toThrow(
      RangeError,
    );
  });
});

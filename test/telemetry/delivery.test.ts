import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../../src/telemetry.js';

async function scrape(record: (telemetry: ReturnType<typeof createTelemetry>) => void): Promise<string> {
  const telemetry = createTelemetry(async () => 0);
  record(telemetry);
  return telemetry.registry.metrics();
}

describe('delivery metrics on /metrics', () => {
  it('counts deployments by repository, environment and result, for frequency and change failure rate', async () => {
    const text = await scrape((t) => {
      t.deployment({ repository: 'Codertocat/Hello-World', environment: 'production', result: 'deployed' });
      t.deployment({ repository: 'Codertocat/Hello-World', environment: 'production', result: 'deployed' });
      t.deployment({ repository: 'Codertocat/Hello-World', environment: 'production', result: 'regression' });
      t.deployment({ repository: 'Codertocat/Hello-World', environment: 'staging', result: 'timed_out' });
    });
    expect(text).toContain('slo_gate_deployments_total{repository="Codertocat/Hello-World",environment="production",result="deployed"} 2');
    expect(text).toContain('slo_gate_deployments_total{repository="Codertocat/Hello-World",environment="production",result="regression"} 1');
    expect(text).toContain('slo_gate_deployments_total{repository="Codertocat/Hello-World",environment="staging",result="timed_out"} 1');
  });

  it('records the protection-rule wait and the lead time in seconds', async () => {
    const text = await scrape((t) => {
      t.protectionRuleWait(45);
      t.leadTime(2 * 3600);
    });
    expect(text).toContain('slo_gate_protection_rule_wait_seconds_bucket{le="60"} 1');
    expect(text).toContain('slo_gate_protection_rule_wait_seconds_bucket{le="10"} 0');
    expect(text).toContain('slo_gate_protection_rule_wait_seconds_sum 45');
    expect(text).toContain('slo_gate_lead_time_seconds_bucket{le="10800"} 1');
    expect(text).toContain('slo_gate_lead_time_seconds_bucket{le="3600"} 0');
  });

  it('records the error budget a deployment spent as a fraction', async () => {
    const text = await scrape((t) => t.budgetSpentPerDeployment(0.017));
    expect(text).toContain('slo_gate_deployment_error_budget_spent_ratio_bucket{le="0.01"} 0');
    expect(text).toContain('slo_gate_deployment_error_budget_spent_ratio_bucket{le="0.02"} 1');
  });

  it('drops a value that is not a number and counts a negative duration (clock skew) as 0', async () => {
    const text = await scrape((t) => {
      t.leadTime(NaN);
      t.leadTime(Infinity);
      t.protectionRuleWait(-3);
    });
    expect(text).toContain('slo_gate_lead_time_seconds_count 0');
    expect(text).toContain('slo_gate_protection_rule_wait_seconds_bucket{le="1"} 1');
    expect(text).toContain('slo_gate_protection_rule_wait_seconds_sum 0');
  });

  it('counts Grafana annotations that failed', async () => {
    const text = await scrape((t) => {
      t.grafanaFailed();
      t.grafanaFailed();
    });
    expect(text).toContain('slo_gate_grafana_annotation_failures_total 2');
  });
});

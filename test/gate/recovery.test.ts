import { describe, expect, it } from 'vitest';
import { assess } from '../../src/gate/assess.js';
import { budgetRecoveryMs } from '../../src/gate/recovery.js';
import { policyWith, readingsOf } from '../support/readings.js';

const DAY = 86_400_000;

function recovery(period30d: number, long6h: number) {
  const assessment = assess(policyWith(), readingsOf({ checkout: { '1h': long6h, '5m': long6h, '6h': long6h, '30m': long6h, '30d': period30d } }));
  return budgetRecoveryMs(assessment.slos[0]!);
}

describe('estimating when a spent budget recovers', () => {
  it('expects a 10% overspent budget to recover in about 3 days once errors stop (average burn 1.1 aging out)', () => {
    // left = -0.1; gain per day = (1.1 - 0) / 30; days to reach 0 = 0.1 / (1.1 / 30) = 2.73
    expect(recovery(0.0011, 0)! / DAY).toBeCloseTo(2.727, 2);
  });

  it('takes longer while errors continue at a lower rate', () => {
    // gain per day = (1.1 - 0.5) / 30; days = 0.1 / 0.02 = 5
    expect(recovery(0.0011, 0.0005)! / DAY).toBeCloseTo(5, 5);
  });

  it('gives no estimate while errors arrive faster than old ones age out', () => {
    expect(recovery(0.0011, 0.0011)).toBeUndefined();
    expect(recovery(0.0011, 0.002)).toBeUndefined();
  });

  it('gives no estimate for a budget that is not spent', () => {
    expect(recovery(0.0005, 0)).toBeUndefined();
  });
});

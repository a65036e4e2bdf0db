/**
 * Seeded randomness for the decision-quality benchmark: a small PRNG and an exact Poisson sampler,
 * so every figure can be reproduced from its seed. Benchmark code, not product code.
 */

/** A uniform generator on [0, 1). */
export type Random = () => number;

/** mulberry32: 32-bit state, fast, good enough for simulation; the same seed gives the same stream. */
export function seeded(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A Poisson-distributed count with mean `lambda`. Exact for every mean: Knuth's product of
 * uniforms below 10, Hörmann's transformed rejection (PTRS, 1993) above.
 */
export function poisson(lambda: number, random: Random): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const limit = Math.exp(-lambda);
    let count = 0;
    for (let product = random(); product > limit; product *= random()) count++;
    return count;
  }
  const slam = Math.sqrt(lambda);
  const logLambda = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = random() - 0.5;
    const v = random();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -lambda + k * logLambda - logFactorial(k)) return k;
  }
}

const SMALL_LOG_FACTORIALS = Array.from({ length: 10 }, (_, n) => {
  let sum = 0;
  for (let i = 2; i <= n; i++) sum += Math.log(i);
  return sum;
});

/** ln(k!), exact below 10, Stirling's series above (error under 1e-10 there). */
function logFactorial(k: number): number {
  if (k < 10) return SMALL_LOG_FACTORIALS[k]!;
  const inv = 1 / k;
  const inv2 = inv * inv;
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}

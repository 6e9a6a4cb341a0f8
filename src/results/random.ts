/**
 * Seeded pseudo-random numbers for Monte Carlo (Thompson sampling) and simulations.
 * Nothing here reads a clock or `Math.random`: the caller passes a seed, so a run is
 * reproducible and every isolate computes the same allocation from the same data.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/**
 * mulberry32 (T. Ettinger, 2017, public domain): a 32-bit state generator with period 2³²,
 * passing gjrand/PractRand to 2³² outputs; plenty for a few million draws per allocation.
 *
 * @example
 * const rng = mulberry32(42);
 * rng(); // 0.6011037519201636, the same every run
 */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform number in (0, 1): never 0, so its logarithm is finite. */
function openUniform(rng: Rng): number {
  let u = rng();
  while (u === 0) u = rng();
  return u;
}

/**
 * A standard normal draw by Marsaglia's polar method (G. Marsaglia & T. A. Bray, "A convenient
 * method for generating normal variables", SIAM Review 6, 1964). Uses one of its pair.
 *
 * @example
 * normalDraw(mulberry32(1)); // a number from N(0, 1)
 */
export function normalDraw(rng: Rng): number {
  for (;;) {
    const u = 2 * rng() - 1;
    const v = 2 * rng() - 1;
    const s = u * u + v * v;
    if (s > 0 && s < 1) return u * Math.sqrt((-2 * Math.log(s)) / s);
  }
}

/**
 * A Gamma(shape, 1) draw by Marsaglia & Tsang, "A simple method for generating gamma variables",
 * ACM TOMS 26(3), 2000: squeeze then log test; for shape < 1 the boost
 * Gamma(a) = Gamma(a + 1)·U^(1/a) from the same paper.
 *
 * @example
 * gammaDraw(mulberry32(1), 3); // a number with mean 3
 */
export function gammaDraw(rng: Rng, shape: number): number {
  if (!(shape > 0)) throw new RangeError(`gamma shape must be > 0, got ${shape}`);
  if (shape < 1) return gammaDraw(rng, shape + 1) * Math.pow(openUniform(rng), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = openUniform(rng);
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/**
 * A Beta(a, b) draw as X/(X + Y) with X ~ Gamma(a), Y ~ Gamma(b) (Devroye, Non-Uniform Random
 * Variate Generation, 1986, §IX.4).
 *
 * @example
 * betaDraw(mulberry32(1), 11, 91); // a conversion rate near 0.11
 */
export function betaDraw(rng: Rng, a: number, b: number): number {
  const x = gammaDraw(rng, a);
  const y = gammaDraw(rng, b);
  return x / (x + y);
}

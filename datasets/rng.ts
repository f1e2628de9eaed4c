/**
 * A small seeded PRNG (mulberry32) with its state exposed: same seed, same sequence on every
 * platform, and a training run resumed from a checkpoint draws the same shuffles and
 * teacher-forcing coins as an uninterrupted one.
 */
export type Rng = () => number;

/** mulberry32 with a readable and restorable `state`. */
export class SeededRng {
  constructor(public state: number) {
    this.state = state >>> 0;
  }

  /** Uniform [0, 1). Bound, so it can be passed around as an Rng. */
  next = (): number => {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  /** A uniformly shuffled copy of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }
}

/** Uniform [0, 1) numbers from a 32-bit seed. */
export function mulberry32(seed: number): Rng {
  return new SeededRng(seed).next;
}

/** Standard normal numbers (Box–Muller) from a uniform generator. */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

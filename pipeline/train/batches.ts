/**
 * Mini-batches from a dataset split: shards in a seeded random order, samples shuffled within
 * each shard, inputs and targets normalised with the training statistics (NaN inputs become 0;
 * NaN targets stay NaN so the masked loss ignores them). Splits that fit in `cacheBytes` stay in
 * memory across epochs; larger ones are re-read shard by shard, so memory stays bounded.
 */
import type { Dataset, SampleBatch } from '../../datasets/dataset/open-dataset.js';
import type { SplitName } from '../../datasets/dataset/windows.js';
import type { SeededRng } from '../../datasets/rng.js';

/** One normalised mini-batch (row-major (B, T, C, H, W)). */
export interface Batch {
  size: number;
  inputs: Float32Array;
  targets: Float32Array;
  /** Frame index of each sample's first input step. */
  start: Int32Array;
}

/** Per-channel affine normalisation. */
export interface Normalizer {
  mean: number[];
  std: number[];
}

/** (x − mean_c) / std_c over a (N, T, C, H·W) block, NaN → `nanTo` (NaN keeps NaN). */
export function normalize(src: Float32Array, C: number, plane: number, n: Normalizer, nanTo = NaN): Float32Array {
  const out = new Float32Array(src.length);
  const steps = src.length / (C * plane);
  for (let s = 0; s < steps; s++) {
    for (let c = 0; c < C; c++) {
      const m = n.mean[c];
      const inv = 1 / n.std[c];
      const off = (s * C + c) * plane;
      for (let k = 0; k < plane; k++) {
        const v = src[off + k];
        out[off + k] = v === v ? (v - m) * inv : nanTo;
      }
    }
  }
  return out;
}

/** Inverse of normalize (in place). */
export function denormalize(x: Float32Array, C: number, plane: number, n: Normalizer): Float32Array {
  const steps = x.length / (C * plane);
  for (let s = 0; s < steps; s++) {
    for (let c = 0; c < C; c++) {
      const off = (s * C + c) * plane;
      for (let k = 0; k < plane; k++) x[off + k] = x[off + k] * n.std[c] + n.mean[c];
    }
  }
  return x;
}

/** Reads and normalises the samples of a dataset split for training or validation. */
export class SplitBatches {
  private cache = new Map<number, SampleBatch>();
  private readonly cacheable: boolean;
  readonly samples: number;
  readonly inNorm: Normalizer;
  readonly outNorm: Normalizer;

  constructor(private readonly ds: Dataset, private readonly split: SplitName, cacheBytes = 1 << 30) {
    const s = ds.info.splits[split];
    this.samples = s.samples;
    this.cacheable = s.shards.reduce((a, x) => a + x.bytes, 0) <= cacheBytes;
    const norm = ds.info.normalization;
    this.inNorm = { mean: norm.mean, std: norm.std };
    const idx = ds.info.targetChannels.map((t) => ds.info.channels.findIndex((c) => c.name === t));
    this.outNorm = { mean: idx.map((i) => norm.mean[i]), std: idx.map((i) => norm.std[i]) };
  }

  private async shard(i: number): Promise<SampleBatch> {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const b = await this.ds.readShard(this.split, i);
    if (this.cacheable) this.cache.set(i, b);
    return b;
  }

  /** Number of batches of `batchSize` per pass. */
  batchCount(batchSize: number): number {
    return this.ds.info.splits[this.split].shards.reduce((a, s) => a + Math.ceil(s.samples / batchSize), 0);
  }

  /** Yields every sample once in batches; shuffled when `rng` is given, in order otherwise. */
  async *batches(batchSize: number, rng?: SeededRng): AsyncGenerator<Batch> {
    const shards = this.ds.info.splits[this.split].shards;
    const order = rng ? rng.permutation(shards.length) : Int32Array.from(shards.keys());
    const [tIn, C, H, W] = this.ds.inputShape;
    const [tOut, Co] = this.ds.targetShape;
    const plane = H * W;
    const perIn = tIn * C * plane;
    const perOut = tOut * Co * plane;
    for (const si of order) {
      const b = await this.shard(si);
      const perm = rng ? rng.permutation(b.count) : Int32Array.from({ length: b.count }, (_, i) => i);
      for (let p = 0; p < b.count; p += batchSize) {
        const size = Math.min(batchSize, b.count - p);
        const rawIn = new Float32Array(size * perIn);
        const rawOut = new Float32Array(size * perOut);
        const start = new Int32Array(size);
        for (let k = 0; k < size; k++) {
          const n = perm[p + k];
          rawIn.set(b.inputs.subarray(n * perIn, (n + 1) * perIn), k * perIn);
          rawOut.set(b.targets.subarray(n * perOut, (n + 1) * perOut), k * perOut);
          start[k] = b.start[n];
        }
        yield { size, inputs: normalize(rawIn, C, plane, this.inNorm, 0), targets: normalize(rawOut, Co, plane, this.outNorm), start };
      }
    }
  }
}

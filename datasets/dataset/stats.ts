/**
 * Per-channel mean and standard deviation that ignore NaN, accumulated frame by frame (each frame
 * reduced in two passes, frames combined with Chan et al.'s parallel update, so large offsets such
 * as temperatures in kelvin lose no precision), plus a per-cell climatology (mean per channel and
 * cell over the frames seen).
 */

export interface ChannelStats {
  mean: number[];
  std: number[];
  /** Number of non-NaN values per channel. */
  count: number[];
}

export class StatsAccumulator {
  private readonly n: Float64Array;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly climSum: Float64Array;
  private readonly climCount: Uint32Array;

  constructor(readonly channels: number, readonly plane: number) {
    this.n = new Float64Array(channels);
    this.mean = new Float64Array(channels);
    this.m2 = new Float64Array(channels);
    this.climSum = new Float64Array(channels * plane);
    this.climCount = new Uint32Array(channels * plane);
  }

  /** Adds one (C, H, W) frame. */
  add(frame: Float32Array): void {
    const { plane } = this;
    for (let c = 0; c < this.channels; c++) {
      const off = c * plane;
      let cnt = 0;
      let sum = 0;
      for (let i = 0; i < plane; i++) {
        const v = frame[off + i];
        if (v === v) {
          cnt++;
          sum += v;
          this.climSum[off + i] += v;
          this.climCount[off + i]++;
        }
      }
      if (!cnt) continue;
      const m = sum / cnt;
      let m2 = 0;
      for (let i = 0; i < plane; i++) {
        const v = frame[off + i];
        if (v === v) m2 += (v - m) * (v - m);
      }
      const na = this.n[c];
      const nb = cnt;
      const delta = m - this.mean[c];
      const nt = na + nb;
      this.mean[c] += (delta * nb) / nt;
      this.m2[c] += m2 + (delta * delta * na * nb) / nt;
      this.n[c] = nt;
    }
  }

  /** Population statistics per channel (std of a constant channel is reported as 1 so that
   *  normalisation stays finite). */
  result(): ChannelStats {
    const mean: number[] = [];
    const std: number[] = [];
    for (let c = 0; c < this.channels; c++) {
      mean.push(this.n[c] ? this.mean[c] : 0);
      const s = this.n[c] ? Math.sqrt(this.m2[c] / this.n[c]) : 0;
      std.push(s > 0 ? s : 1);
    }
    return { mean, std, count: Array.from(this.n) };
  }

  /** Per-cell mean (C, H, W), NaN where a cell never had data. */
  climatology(): Float32Array {
    const out = new Float32Array(this.climSum.length);
    for (let i = 0; i < out.length; i++) out[i] = this.climCount[i] ? this.climSum[i] / this.climCount[i] : NaN;
    return out;
  }
}

/**
 * Runs a trained model on raw (physical-unit) input windows: normalise with the training
 * statistics, predict in batches inside tf.tidy, de-normalise, and blank (NaN) every output cell
 * whose input channel had no data in the last input frame (land under a sea-surface variable,
 * outside a radar's range): the model cannot know those cells, so it must not pretend to.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ForecastModel } from '../../models/model.js';
import { denormalize, normalize, type Normalizer } from './batches.js';

export interface ForecastShapes {
  tIn: number;
  C: number;
  H: number;
  W: number;
  tOut: number;
  Co: number;
}

/** Forecasts for `count` windows (N, tIn, C, H, W) → (N, tOut, Co, H, W) in physical units. */
export function forecastWindows(
  model: ForecastModel,
  inputs: Float32Array,
  count: number,
  s: ForecastShapes,
  inNorm: Normalizer,
  outNorm: Normalizer,
  /** Input channel index of each output channel (for the no-data mask), or null. */
  targetIdx: (number | null)[],
  batchSize = 8,
): Float32Array {
  const plane = s.H * s.W;
  const perIn = s.tIn * s.C * plane;
  const perOut = s.tOut * s.Co * plane;
  const out = new Float32Array(count * perOut);
  for (let b0 = 0; b0 < count; b0 += batchSize) {
    const n = Math.min(batchSize, count - b0);
    const raw = inputs.subarray(b0 * perIn, (b0 + n) * perIn);
    const x = normalize(raw, s.C, plane, inNorm, 0);
    const y = tf.tidy(() => model.predict(tf.tensor5d(x, [n, s.tIn, s.C, s.H, s.W])).dataSync() as Float32Array);
    const phys = denormalize(Float32Array.from(y), s.Co, plane, outNorm);
    for (let k = 0; k < n; k++) {
      const lastFrame = raw.subarray(k * perIn + (s.tIn - 1) * s.C * plane, k * perIn + s.tIn * s.C * plane);
      for (let t = 0; t < s.tOut; t++) {
        for (let c = 0; c < s.Co; c++) {
          const src = targetIdx[c];
          const off = ((k * s.tOut + t) * s.Co + c) * plane;
          if (src === null) continue;
          for (let q = 0; q < plane; q++) if (lastFrame[src * plane + q] !== lastFrame[src * plane + q]) phys[off + q] = NaN;
        }
      }
    }
    out.set(phys, b0 * perOut);
  }
  return out;
}

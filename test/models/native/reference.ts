/**
 * A composite TensorFlow.js ConvLSTM layer written straight from the seed's cell (concat [x_t, h]
 * → conv2d 'same' → split i, f, o, g → sigmoid/tanh → c = f*c + i*g, h = o*tanh(c)), differentiated
 * by the autodiff tape: the independent reference the native kernels are compared against.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface LayerTensors {
  x: tf.Tensor5D;
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D | null;
  h0: tf.Tensor4D;
  c0: tf.Tensor4D;
}

/** Shape of one test case: (B, T, Cin, H, W, hidden, kh, kw, bias). */
export interface Case {
  B: number; T: number; Cin: number; H: number; W: number; hid: number; kh: number; kw: number; bias: boolean;
}

/** Seeded uniform values in [-scale, scale] (mulberry32), so failures reproduce. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Random inputs for a case (weights scaled like a Glorot init so gates are not saturated). */
export function makeInputs(c: Case, seed: number): LayerTensors {
  const C = c.Cin + c.hid;
  const wScale = Math.sqrt(6 / (c.kh * c.kw * (C + 4 * c.hid)));
  return {
    x: tf.tensor5d(randomArray(c.B * c.T * c.Cin * c.H * c.W, seed + 1), [c.B, c.T, c.Cin, c.H, c.W]),
    kernel: tf.tensor4d(randomArray(c.kh * c.kw * C * 4 * c.hid, seed + 2, wScale * 2), [c.kh, c.kw, C, 4 * c.hid]),
    bias: c.bias ? tf.tensor1d(randomArray(4 * c.hid, seed + 3, 0.5)) : null,
    h0: tf.tensor4d(randomArray(c.B * c.hid * c.H * c.W, seed + 4, 0.5), [c.B, c.hid, c.H, c.W]),
    c0: tf.tensor4d(randomArray(c.B * c.hid * c.H * c.W, seed + 5, 0.5), [c.B, c.hid, c.H, c.W]),
  };
}

/** The seed's layer over all steps with the contract's layouts (channels first). */
export function referenceLayer(
  x: tf.Tensor5D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, h0: tf.Tensor4D, c0: tf.Tensor4D,
): { outputs: tf.Tensor5D; h: tf.Tensor4D; c: tf.Tensor4D } {
  const T = x.shape[1];
  const hid = h0.shape[1];
  let h = tf.transpose(h0, [0, 2, 3, 1]) as tf.Tensor4D;
  let c = tf.transpose(c0, [0, 2, 3, 1]) as tf.Tensor4D;
  const outs: tf.Tensor4D[] = [];
  for (let t = 0; t < T; t++) {
    const xt = tf.transpose(tf.squeeze(tf.slice(x, [0, t], [-1, 1]), [1]), [0, 2, 3, 1]) as tf.Tensor4D;
    let z = tf.conv2d(tf.concat([xt, h], 3), kernel, 1, 'same');
    if (bias) z = tf.add(z, bias);
    const [zi, zf, zo, zg] = tf.split(z, [hid, hid, hid, hid], 3);
    const i = tf.sigmoid(zi!), f = tf.sigmoid(zf!), o = tf.sigmoid(zo!), g = tf.tanh(zg!);
    c = tf.add(tf.mul(f, c), tf.mul(i, g));
    h = tf.mul(o, tf.tanh(c));
    outs.push(h);
  }
  return {
    outputs: tf.transpose(tf.stack(outs, 1), [0, 1, 4, 2, 3]) as tf.Tensor5D,
    h: tf.transpose(h, [0, 3, 1, 2]) as tf.Tensor4D,
    c: tf.transpose(c, [0, 3, 1, 2]) as tf.Tensor4D,
  };
}

type Layer = typeof referenceLayer;

/** Forward values and the gradients of sum(out*R1) + sum(h*R2) + sum(c*R3) w.r.t. all five inputs. */
export function valuesAndGrads(layer: Layer, t: LayerTensors, seed: number): { values: Float32Array[]; grads: Float32Array[] } {
  return tf.tidy(() => {
    const { x, kernel, bias, h0, c0 } = t;
    const fwd = layer(x, kernel, bias, h0, c0);
    const r1 = tf.tensor(randomArray(fwd.outputs.size, seed + 11), fwd.outputs.shape);
    const r2 = tf.tensor(randomArray(fwd.h.size, seed + 12), fwd.h.shape);
    const r3 = tf.tensor(randomArray(fwd.c.size, seed + 13), fwd.c.shape);
    const loss = (xx: tf.Tensor, kk: tf.Tensor, hh: tf.Tensor, cc: tf.Tensor, bb?: tf.Tensor) => {
      const r = layer(xx as tf.Tensor5D, kk as tf.Tensor4D, (bb ?? null) as tf.Tensor1D | null, hh as tf.Tensor4D, cc as tf.Tensor4D);
      return tf.addN([tf.sum(tf.mul(r.outputs, r1)), tf.sum(tf.mul(r.h, r2)), tf.sum(tf.mul(r.c, r3))]) as tf.Scalar;
    };
    const args = bias ? [x, kernel, h0, c0, bias] : [x, kernel, h0, c0];
    const grads = tf.grads((...a: tf.Tensor[]) => loss(a[0]!, a[1]!, a[2]!, a[3]!, a[4]))(args);
    return {
      values: [fwd.outputs, fwd.h, fwd.c].map((v) => v.dataSync() as Float32Array),
      grads: grads.map((g) => g.dataSync() as Float32Array),
    };
  });
}

/** Whether two arrays hold the same bits. */
export function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Whether two valuesAndGrads results hold the same bits in every value and every gradient. */
export function sameResults(a: ReturnType<typeof valuesAndGrads>, b: ReturnType<typeof valuesAndGrads>): boolean {
  return a.values.length === b.values.length && a.grads.length === b.grads.length &&
    a.values.every((v, i) => sameBits(v, b.values[i]!)) && a.grads.every((g, i) => sameBits(g, b.grads[i]!));
}

/** max |a - b| over max |b| (0 when b is all zeros and a equals it). */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** max |a - b|. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  return diff;
}

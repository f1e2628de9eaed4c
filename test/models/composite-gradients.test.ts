/**
 * The composite layer's hand-written BPTT against TensorFlow.js autodiff of the literal seed cell
 * (test/models/reference-convlstm.ts), for gradients w.r.t. x, kernel, bias, h0 and c0.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { compositeConvLstmImpl, ensureCompositeConvLstmImpl, type ConvLstmLayerImpl } from '../../models/index.js';
import { referenceConvLstmImpl } from './reference-convlstm.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  ensureCompositeConvLstmImpl();
});

interface Shape { B: number; T: number; Cin: number; H: number; W: number; hid: number; kh: number; kw: number; bias: boolean }

function gradsOf(impl: ConvLstmLayerImpl, s: Shape, seed: number): { value: Float32Array; grads: Float32Array[] } {
  return tf.tidy(() => {
    const x = tf.randomNormal([s.B, s.T, s.Cin, s.H, s.W], 0, 1, 'float32', seed) as tf.Tensor5D;
    const k = tf.randomUniform([s.kh, s.kw, s.Cin + s.hid, 4 * s.hid], -0.4, 0.4, 'float32', seed + 1) as tf.Tensor4D;
    const b = tf.randomUniform([4 * s.hid], -0.4, 0.4, 'float32', seed + 2) as tf.Tensor1D;
    const h0 = tf.randomNormal([s.B, s.hid, s.H, s.W], 0, 0.5, 'float32', seed + 3) as tf.Tensor4D;
    const c0 = tf.randomNormal([s.B, s.hid, s.H, s.W], 0, 0.5, 'float32', seed + 4) as tf.Tensor4D;
    const ro = tf.randomNormal([s.B, s.T, s.hid, s.H, s.W], 0, 1, 'float32', seed + 5);
    const rh = tf.randomNormal([s.B, s.hid, s.H, s.W], 0, 1, 'float32', seed + 6);
    const rc = tf.randomNormal([s.B, s.hid, s.H, s.W], 0, 1, 'float32', seed + 7);
    const loss = (...a: tf.Tensor[]) => {
      const [xx, kk, bb, hh, cc] = s.bias ? a : [a[0], a[1], null, a[2], a[3]];
      const r = impl.run(xx as tf.Tensor5D, kk as tf.Tensor4D, bb as tf.Tensor1D | null, hh as tf.Tensor4D, cc as tf.Tensor4D);
      return tf.addN([tf.sum(tf.mul(r.outputs, ro)), tf.sum(tf.mul(r.h, rh)), tf.sum(tf.mul(r.c, rc))]) as tf.Scalar;
    };
    const inputs = s.bias ? [x, k, b, h0, c0] : [x, k, h0, c0];
    const { value, grads } = tf.valueAndGrads(loss)(inputs);
    return { value: value.dataSync() as Float32Array, grads: grads.map((g) => g.dataSync() as Float32Array) };
  });
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-12);
}

const shapes: [string, Shape][] = [
  ['small square', { B: 2, T: 3, Cin: 2, H: 5, W: 5, hid: 3, kh: 3, kw: 3, bias: true }],
  ['non-square grid and kernel, no bias', { B: 1, T: 4, Cin: 3, H: 4, W: 7, hid: 5, kh: 1, kw: 5, bias: false }],
  ['T=1, 5x3 kernel', { B: 3, T: 1, Cin: 1, H: 6, W: 4, hid: 2, kh: 5, kw: 3, bias: true }],
];

describe('composite ConvLSTM layer: hand-written BPTT = autodiff', () => {
  it.each(shapes)('%s', (_n, s) => {
    const before = tf.memory().numTensors;
    const ours = gradsOf(compositeConvLstmImpl, s, 11);
    const ref = gradsOf(referenceConvLstmImpl, s, 11);
    expect(Math.abs(ours.value[0]! - ref.value[0]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(ref.value[0]!)));
    expect(ours.grads.length).toBe(ref.grads.length);
    ours.grads.forEach((g, i) => expect(relErr(g, ref.grads[i]!)).toBeLessThan(1e-4));
    expect(tf.memory().numTensors).toBe(before);
  });
});

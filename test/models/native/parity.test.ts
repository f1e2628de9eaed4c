/**
 * The fused native layer against the seed's cell written with composite TensorFlow.js ops on the
 * cpu backend: outputs, h and c to 1e-5, and the gradients for x, kernel, bias, h0 and c0 to 1e-4
 * (relative to the largest reference value), with upstream gradients on all three outputs. 3x3
 * cases run twice: by Winograd F(2x2, 3x3) (the default) and by the direct implicit GEMM, whose
 * column tiles and tails these channel counts were chosen for.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNativeConvLstm, setNativeWinograd } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs, maxAbsDiff, referenceLayer, relativeError, valuesAndGrads } from './reference.js';
import { skipReason, useCpu } from './setup.js';

const cases: Array<[string, Case]> = [
  ['H≠W, 3x5 kernel, hidden 5', { B: 2, T: 3, Cin: 3, H: 5, W: 7, hid: 5, kh: 3, kw: 5, bias: true }],
  ['B=1, T=1, 1x1 kernel, hidden 13, no bias', { B: 1, T: 1, Cin: 2, H: 4, W: 4, hid: 13, kh: 1, kw: 1, bias: false }],
  ['5x3 kernel, hidden 20', { B: 2, T: 2, Cin: 4, H: 6, W: 9, hid: 20, kh: 5, kw: 3, bias: true }],
  ['hidden 17 (two lane blocks), single input channel', { B: 1, T: 4, Cin: 1, H: 3, W: 11, hid: 17, kh: 3, kw: 3, bias: true }],
  ['kernel larger than the grid', { B: 2, T: 2, Cin: 2, H: 2, W: 3, hid: 4, kh: 5, kw: 5, bias: true }],
  ['many channels (several column tiles in the input gradient)', { B: 1, T: 2, Cin: 40, H: 4, W: 5, hid: 33, kh: 3, kw: 3, bias: true }],
  ['90 channels (4- and 2-vector column tiles, the last zero-padded: a 10-channel remainder; AVX2: a 2-channel tail)', { B: 1, T: 2, Cin: 50, H: 3, W: 4, hid: 40, kh: 3, kw: 3, bias: true }],
  ['50 channels (a 3-vector column tile and a 2-channel tail)', { B: 2, T: 2, Cin: 20, H: 3, W: 7, hid: 30, kh: 3, kw: 3, bias: true }],
  ['hidden 32, 7x6 grid', { B: 3, T: 2, Cin: 6, H: 7, W: 6, hid: 32, kh: 3, kw: 3, bias: false }],
  ['28 channels (AVX2: exactly half a vector left, the 4-channel tail; AVX-512: a padded column)', { B: 2, T: 2, Cin: 4, H: 4, W: 5, hid: 24, kh: 3, kw: 3, bias: true }],
];

describe.skipIf(skipReason !== '').each([
  ['Winograd for 3x3', true],
  ['direct convolution', false],
])('native ConvLSTM parity with composite TensorFlow.js (%s)', (_path, winograd) => {
  beforeAll(async () => {
    await useCpu();
    setNativeWinograd(winograd);
  });
  afterAll(() => {
    setNativeWinograd(true);
  });

  it.each(cases)('%s', (_name, c) => {
    const inputs = makeInputs(c, 1000 + c.hid * 7 + c.W);
    const ref = valuesAndGrads(referenceLayer, inputs, 31);
    const ours = valuesAndGrads(runNativeConvLstm, inputs, 31);
    const valueNames = ['outputs', 'h', 'c'];
    ref.values.forEach((v, i) => {
      expect(maxAbsDiff(ours.values[i]!, v), valueNames[i]).toBeLessThan(1e-5);
    });
    const gradNames = c.bias ? ['x', 'kernel', 'h0', 'c0', 'bias'] : ['x', 'kernel', 'h0', 'c0'];
    expect(ours.grads).toHaveLength(gradNames.length);
    ref.grads.forEach((g, i) => {
      expect(relativeError(ours.grads[i]!, g), `d${gradNames[i]}`).toBeLessThan(1e-4);
    });
    tf.dispose(Object.values(inputs).filter((t): t is tf.Tensor => t !== null));
  });

  it.each(cases.slice(0, 4))('inference (no gradient recorded, ring buffers) gives the same bits: %s', (_name, c) => {
    const t = makeInputs(c, 2024 + c.hid);
    const recorded = valuesAndGrads(runNativeConvLstm, t, 1).values;
    const r = runNativeConvLstm(t.x, t.kernel, t.bias, t.h0, t.c0);
    [r.outputs, r.h, r.c].forEach((v, i) => {
      expect(Buffer.from((v.dataSync() as Float32Array).buffer).equals(Buffer.from(recorded[i]!.buffer))).toBe(true);
    });
    tf.dispose([r.outputs, r.h, r.c, ...Object.values(t).filter((v): v is tf.Tensor => v !== null)]);
  });

  it('matches when only the outputs feed the loss (h and c receive zero gradients)', () => {
    const c: Case = { B: 2, T: 3, Cin: 2, H: 4, W: 6, hid: 6, kh: 3, kw: 3, bias: true };
    const t = makeInputs(c, 77);
    const grad = (layer: typeof referenceLayer) =>
      tf.tidy(() => tf.grads((k: tf.Tensor) => tf.sum(tf.square(layer(t.x, k as tf.Tensor4D, t.bias, t.h0, t.c0).outputs)))([t.kernel])[0]!.dataSync() as Float32Array);
    expect(relativeError(grad(runNativeConvLstm), grad(referenceLayer))).toBeLessThan(1e-4);
    tf.dispose(Object.values(t).filter((v): v is tf.Tensor => v !== null));
  });
});

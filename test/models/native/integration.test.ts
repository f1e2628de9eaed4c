/**
 * The native layer behind the models' seam: it registers itself, is chosen on cpu and wasm, keeps no
 * state (and leaks no tensors) when gradients are not recorded, and an optimiser trains through it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { convLstmImplNames, selectConvLstmImpl } from '../../../models/convlstm/layer-impl.js';
import { nativeAvailable, nativeConvLstmImpl } from '../../../models/native/convlstm-native.js';
import { type Case, makeInputs } from './reference.js';
import { skipReason, useCpu } from './setup.js';

describe.skipIf(skipReason !== '')('native ConvLSTM integration', () => {
  beforeAll(useCpu);

  it('reports its status and registers as "native" for cpu and wasm only', () => {
    const s = nativeAvailable();
    expect(s.ok).toBe(true);
    expect(s.threads).toBeGreaterThanOrEqual(1);
    expect(['avx512', 'avx2', 'portable']).toContain(s.isa);
    expect(convLstmImplNames()).toContain('native');
    expect(selectConvLstmImpl('cpu').name).toBe('native');
    expect(nativeConvLstmImpl.supports('wasm')).toBe(true);
    expect(nativeConvLstmImpl.supports('webgl')).toBe(false);
    expect(nativeConvLstmImpl.supports('tensorflow')).toBe(false);
  });

  it('inference leaves no tensors behind and has the contract shapes', () => {
    const c: Case = { B: 2, T: 3, Cin: 2, H: 4, W: 5, hid: 6, kh: 3, kw: 3, bias: true };
    const t = makeInputs(c, 1);
    const before = tf.memory().numTensors;
    const r = nativeConvLstmImpl.run(t.x, t.kernel, t.bias, t.h0, t.c0);
    expect(r.outputs.shape).toEqual([2, 3, 6, 4, 5]);
    expect(r.h.shape).toEqual([2, 6, 4, 5]);
    expect(r.c.shape).toEqual([2, 6, 4, 5]);
    // h is the last step of the outputs.
    const last = tf.tidy(() => tf.squeeze(tf.slice(r.outputs, [0, 2], [-1, 1]), [1]));
    expect(Array.from(last.dataSync())).toEqual(Array.from(r.h.dataSync()));
    tf.dispose([r.outputs, r.h, r.c, last]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(t).filter((v): v is tf.Tensor => v !== null));
  });

  it('an Adam optimiser lowers a loss through the native layer', () => {
    const c: Case = { B: 2, T: 3, Cin: 2, H: 5, W: 5, hid: 4, kh: 3, kw: 3, bias: true };
    const t = makeInputs(c, 9);
    const kernel = tf.variable(t.kernel);
    const bias = tf.variable(t.bias!);
    const target = tf.randomUniform([2, 3, 4, 5, 5], -0.5, 0.5, 'float32', 3);
    const opt = tf.train.adam(0.02);
    const loss = () => tf.mean(tf.square(tf.sub(nativeConvLstmImpl.run(t.x, kernel as unknown as tf.Tensor4D,
      bias as unknown as tf.Tensor1D, t.h0, t.c0).outputs, target))) as tf.Scalar;
    const first = tf.tidy(() => loss().dataSync()[0]!);
    for (let i = 0; i < 30; i++) opt.minimize(loss, true)?.dispose();
    const last = tf.tidy(() => loss().dataSync()[0]!);
    expect(last).toBeLessThan(first * 0.9);
    opt.dispose();
    tf.dispose([kernel, bias, target, ...Object.values(t).filter((v): v is tf.Tensor => v !== null)]);
  });
});

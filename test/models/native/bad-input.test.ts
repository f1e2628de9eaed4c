/**
 * Bad arguments raise JS errors with a message — from the TypeScript wrapper (named errors) and from
 * the addon itself when called directly — and never crash the process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { runNativeConvLstm } from '../../../models/native/convlstm-native.js';
import { NativeKernelError } from '../../../models/native/errors.js';
import { loadNativeAddon, type NativeAddon } from '../../../models/native/loader.js';
import { skipReason, useCpu } from './setup.js';

const [B, T, Cin, H, W, hid, kh, kw] = [2, 3, 2, 4, 5, 3, 3, 3];
const C = Cin + hid;

function arrays() {
  return {
    dims: [B, T, Cin, H, W, hid, kh, kw, 1],
    x: new Float32Array(B * T * Cin * H * W),
    k: new Float32Array(kh * kw * C * 4 * hid),
    b: new Float32Array(4 * hid),
    s: () => new Float32Array(B * hid * H * W),
    out: new Float32Array(B * T * hid * H * W),
  };
}

describe.skipIf(skipReason !== '')('native ConvLSTM bad input', () => {
  let addon: NativeAddon;
  beforeAll(async () => {
    await useCpu();
    addon = loadNativeAddon().addon!;
  });

  it('the wrapper names the tensor and the expected shape', () => {
    const x = tf.zeros([B, T, Cin, H, W]) as tf.Tensor5D;
    const k = tf.zeros([kh, kw, C, 4 * hid]) as tf.Tensor4D;
    const s = tf.zeros([B, hid, H, W]) as tf.Tensor4D;
    expect(() => runNativeConvLstm(tf.zeros([B, Cin, H, W]) as unknown as tf.Tensor5D, k, null, s, s)).toThrow(NativeKernelError);
    expect(() => runNativeConvLstm(x, tf.zeros([kh, kw, C + 1, 4 * hid]) as tf.Tensor4D, null, s, s)).toThrow(/'kernel'/);
    expect(() => runNativeConvLstm(x, tf.zeros([2, 2, C, 4 * hid]) as tf.Tensor4D, null, s, s)).toThrow(/odd/);
    expect(() => runNativeConvLstm(x, k, tf.zeros([hid]) as tf.Tensor1D, s, s)).toThrow(/'bias'/);
    expect(() => runNativeConvLstm(x, k, null, tf.zeros([B, hid, H, W + 1]) as tf.Tensor4D, s)).toThrow(/'h0'/);
    expect(() => runNativeConvLstm(x, k, null, s, tf.zeros([1, hid, H, W]) as tf.Tensor4D)).toThrow(/'c0'/);
    expect(() => runNativeConvLstm(tf.zeros([B, T, Cin, H, W], 'int32') as tf.Tensor5D, k, null, s, s)).toThrow(/float32/);
  });

  it('the addon rejects wrong lengths, types and dimensions', () => {
    const a = arrays();
    const call = (over: Partial<Record<'dims' | 'x' | 'k' | 'b' | 'h0' | 'out', unknown>>) => () =>
      addon.forward((over.dims ?? a.dims) as number[], (over.x ?? a.x) as Float32Array, (over.k ?? a.k) as Float32Array,
        (over.b === undefined ? a.b : over.b) as Float32Array | null, (over.h0 ?? a.s()) as Float32Array, a.s(),
        (over.out ?? a.out) as Float32Array, a.s(), a.s(), false);
    expect(call({})).not.toThrow();
    expect(call({ x: new Float32Array(3) })).toThrow(/x must have 240 elements, got 3/);
    expect(call({ k: new Float64Array(a.k.length) })).toThrow(TypeError);
    expect(call({ b: null })).toThrow(/bias presence/);
    expect(call({ h0: [1, 2, 3] })).toThrow(/h0 must be a Float32Array/);
    expect(call({ out: new Float32Array(a.out.length - 1) })).toThrow(/outputs must have/);
    expect(call({ dims: [B, T, Cin, H, W, hid, 2, kw, 1] })).toThrow(/odd/);
    expect(call({ dims: [B, T, Cin, H, W, 0, kh, kw, 1] })).toThrow(/hidden/);
    expect(call({ dims: [B, T, Cin, H, W, 1.5, kh, kw, 1] })).toThrow(/integer/);
    expect(call({ dims: [B, T, Cin, H] })).toThrow(/9 entries/);
    expect(call({ dims: [4096, 4096, 64, 4096, 4096, 64, 3, 3, 1] })).toThrow(/too large/);
    expect(() => (addon.forward as unknown as (...a: unknown[]) => unknown)(a.dims)).toThrow(/10 arguments/);
  });

  it('the addon rejects a foreign or consumed state in backward', () => {
    const a = arrays();
    const st = addon.forward(a.dims, a.x, a.k, a.b, a.s(), a.s(), a.out, a.s(), a.s(), true)!;
    const back = (state: unknown) => () =>
      addon.backward(state as never, a.k, a.out, a.s(), a.s(), new Float32Array(a.x.length), new Float32Array(a.k.length),
        new Float32Array(a.b.length), a.s(), a.s());
    expect(back({})).toThrow(/handle returned by forward/);
    expect(() => addon.backward(st, a.k, new Float32Array(1), a.s(), a.s(), new Float32Array(a.x.length),
      new Float32Array(a.k.length), null, a.s(), a.s())).toThrow(/dOutputs must have/);
    expect(back(st)).not.toThrow();
    expect(back(st)).toThrow(/already used or released/);
    expect(() => addon.setThreads(-1)).toThrow(RangeError);
    expect(() => addon.fmaPeak(100)).toThrow(RangeError);
  });
});

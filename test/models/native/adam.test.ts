/**
 * The fused native Adam (models/native/adam-native.ts): over several steps on random variables
 * (sizes that are not multiples of the vector width, one large enough for the parallel path, a
 * learning-rate change mid-run) weights and moments equal tf.train.adam's to float rounding (in fact
 * bit for bit) on the cpu and wasm backends; bit-identical with 1, 2 and 3 native threads; no
 * tensors leak; save/restore (pipeline/train/optimizer-state.ts) round-trips bit-exactly, in both
 * directions with the TF.js Adam; GRIDCAST_NATIVE_ADAM=0 falls back to tf.train.adam; a buffer
 * shared with another tensor is never changed behind its back, nor a weight behind the wasm
 * backend's XNNPACK operator caches; bad arguments to the addon throw.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../models/backend.js';
import { preferConvLstmImpl } from '../../../models/convlstm/layer-impl.js';
import { setNativeThreads } from '../../../models/native/convlstm-native.js';
import { NativeAdamOptimizer, nativeAdamSupported } from '../../../models/native/adam-native.js';
import { loadNativeAddon } from '../../../models/native/loader.js';
import { adamImplementation, createAdamOptimizer } from '../../../models/optimizers.js';
import { readOptimizerState, restoreOptimizerState } from '../../../pipeline/train/optimizer-state.js';
import { skipReason, useCpu } from './setup.js';

type Backend = 'cpu' | 'wasm';

async function use(backend: Backend): Promise<void> {
  if (backend === 'cpu') return useCpu();
  const sel = await selectBackend('wasm', { log: () => {} });
  expect(sel.backend).toBe('wasm');
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// 70 001 elements in one variable: over the addon's parallel threshold and several chunks.
const SHAPES = [[3, 3, 7, 20], [20], [1], [13, 5], [70001]];

/** Initial weights and per-step gradients, deterministic. Gradients span magnitudes 1e-4..1e1. */
function makeProblem(seed: number, steps: number) {
  const r = rng(seed);
  const init = SHAPES.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1));
  const grads = Array.from({ length: steps }, () =>
    SHAPES.map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => (r() * 2 - 1) * 10 ** (r() * 5 - 4))));
  return { init, grads };
}

interface Result { weights: Float32Array[]; moments: Float32Array[]; iterations: number; grew: number }

/**
 * Runs `steps` Adam steps (learning rate 0.01, 0.003 from step 3 on) with `makeOpt` on fresh variables.
 * `resumeAt` saves the optimizer state there and continues with a new optimizer from `resumeOpt`.
 */
async function train(makeOpt: () => tf.Optimizer, steps: number, seed = 11, resumeAt = -1, resumeOpt?: () => tf.Optimizer): Promise<Result> {
  const { init, grads } = makeProblem(seed, steps);
  const vars = init.map((d, i) => tf.variable(tf.tensor(d, SHAPES[i]), true));
  let opt = makeOpt();
  const before = tf.memory().numTensors;
  for (let s = 0; s < steps; s++) {
    if (s === resumeAt) {
      const state = await readOptimizerState(opt);
      opt.dispose();
      opt = (resumeOpt ?? makeOpt)();
      await restoreOptimizerState(opt, state);
    }
    (opt as unknown as { learningRate: number }).learningRate = s >= 3 ? 0.003 : 0.01;
    tf.tidy(() => {
      // Array form on even steps, map form on odd steps (both are accepted by tf.Optimizer).
      const gs = grads[s]!.map((g, i) => tf.tensor(g, SHAPES[i]));
      if (s % 2 === 0) opt.applyGradients(vars.map((v, i) => ({ name: v.name, tensor: gs[i]! })) as never);
      else opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, gs[i]!])));
    });
  }
  // Adam's first step creates two moment variables per variable; nothing else may stay.
  const grew = tf.memory().numTensors - before - 2 * vars.length;
  const weights = vars.map((v) => v.dataSync().slice() as Float32Array);
  const ws = await opt.getWeights();
  const moments = ws.slice(1).map((w) => w.tensor.dataSync().slice() as Float32Array);
  const iterations = (await ws[0]!.tensor.data())[0]!;
  ws[0]!.tensor.dispose();
  opt.dispose();
  tf.dispose(vars);
  return { weights, moments, iterations, grew };
}

function bits(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function expectSameBits(a: Result, b: Result): void {
  expect(a.iterations).toBe(b.iterations);
  expect(a.weights.length).toBe(b.weights.length);
  expect(a.moments.length).toBe(b.moments.length);
  a.weights.forEach((w, i) => expect(bits(w).equals(bits(b.weights[i]!)), `weight ${i}`).toBe(true));
  a.moments.forEach((m, i) => expect(bits(m).equals(bits(b.moments[i]!)), `moment ${i}`).toBe(true));
}

/** Element-wise |a - b| <= tol * max(|b|, 1e-30) over weights and moments. */
function expectClose(a: Result, b: Result, tol: number): void {
  const pairs = [...a.weights.map((w, i) => [w, b.weights[i]!]), ...a.moments.map((m, i) => [m, b.moments[i]!])];
  let worst = 0;
  for (const [x, y] of pairs) {
    expect(x!.length).toBe(y!.length);
    for (let i = 0; i < x!.length; i++) {
      const err = Math.abs(x![i]! - y![i]!) / Math.max(Math.abs(y![i]!), 1e-30);
      if (!(err <= worst)) worst = Number.isNaN(err) ? Infinity : err;
    }
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

const native = () => new NativeAdamOptimizer(0.01);
const tfjs = () => tf.train.adam(0.01);

describe.skipIf(skipReason !== '')('native Adam', () => {
  afterEach(() => {
    setNativeThreads(0);
    delete process.env.GRIDCAST_NATIVE_ADAM;
  });
  afterAll(async () => {
    preferConvLstmImpl(null);
    await useCpu();
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: equals tf.train.adam over 7 steps (weights and moments), no leaks`, async () => {
      await use(backend);
      expect(nativeAdamSupported()).toBe(true);
      const a = await train(native, 7);
      const b = await train(tfjs, 7);
      expect(a.grew).toBe(0);
      expect(b.grew).toBe(0);
      expectClose(a, b, 1e-6);
      // Same float32 ops in the same order: identical, not merely close.
      expectSameBits(a, b);
    });

    it(`${backend}: bit-identical with 1, 2 and 3 native threads`, async () => {
      await use(backend);
      const runs: Result[] = [];
      for (const n of [1, 2, 3]) {
        setNativeThreads(n);
        runs.push(await train(native, 4, 23));
      }
      expectSameBits(runs[1]!, runs[0]!);
      expectSameBits(runs[2]!, runs[0]!);
    });

    it(`${backend}: save and restore mid-run continues bit-exactly, both ways with tf.train.adam`, async () => {
      await use(backend);
      const straight = await train(native, 6, 31);
      expectSameBits(await train(native, 6, 31, 3), straight);
      // Native state restored into the TF.js Adam, and the other way round.
      expectSameBits(await train(native, 6, 31, 3, tfjs), straight);
      expectSameBits(await train(tfjs, 6, 31, 3, native), straight);
    });
  }

  it('wasm: a weight buffer shared with another tensor is copied, not changed in place', async () => {
    await use('wasm');
    const v = tf.variable(tf.tensor([1, 2, 3, 4]), true);
    const alias = tf.clone(v); // shares v's buffer (refCount 2)
    const opt = new NativeAdamOptimizer(0.1);
    tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor([1, 1, 1, 1]) }));
    expect(Array.from(alias.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(v.dataSync()).every((x, i) => x < i + 1)).toBe(true);
    opt.dispose();
    tf.dispose([v, alias]);
  });

  it('wasm: weights used by cached XNNPACK operators (matMul, conv2d) are seen updated', async () => {
    // tfjs-backend-wasm caches packed weights per tensor id: a weight changed in place would keep
    // its old packed values there. The fused Adam gives every updated weight a new buffer instead.
    await use('wasm');
    const w = tf.variable(tf.tensor2d([[1, 2], [3, 4]]), true);
    const k = tf.variable(tf.tensor4d([0.5, -1, 2, 1], [1, 1, 2, 2]), true);
    const x = tf.tensor2d([[1, 0.5], [-2, 1]]);
    const img = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]);
    const opt = new NativeAdamOptimizer(0.1);
    for (let s = 0; s < 3; s++) {
      tf.dispose([tf.matMul(x, w), tf.conv2d(img, k, 1, 'same')]); // populate the operator caches
      tf.tidy(() => opt.applyGradients({ [w.name]: tf.tensor2d([[1, -1], [0.5, 2]]), [k.name]: tf.tensor4d([1, 2, -1, 0.25], [1, 1, 2, 2]) }));
      tf.tidy(() => {
        const fresh = (t: tf.Tensor) => tf.tensor(t.dataSync().slice(), t.shape); // a new id: no cache
        expect(Array.from(tf.matMul(x, w).dataSync())).toEqual(Array.from(tf.matMul(x, fresh(w) as tf.Tensor2D).dataSync()));
        expect(Array.from(tf.conv2d(img, k, 1, 'same').dataSync())).toEqual(Array.from(tf.conv2d(img, fresh(k) as tf.Tensor4D, 1, 'same').dataSync()));
      });
    }
    opt.dispose();
    tf.dispose([w, k, x, img]);
  });

  it('cpu: arrays read from a variable before a step keep their values', async () => {
    await use('cpu');
    const v = tf.variable(tf.tensor([1, 2, 3, 4]), true);
    const opt = new NativeAdamOptimizer(0.1);
    tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor([1, 1, 1, 1]) }));
    const seen = v.dataSync(); // the cpu backend's own array
    const copy = Array.from(seen);
    tf.tidy(() => opt.applyGradients({ [v.name]: tf.tensor([1, 1, 1, 1]) }));
    expect(Array.from(seen)).toEqual(copy);
    expect(Array.from(v.dataSync())).not.toEqual(copy);
    opt.dispose();
    v.dispose();
  });

  it('createAdamOptimizer picks the native Adam on cpu/wasm, tf.train.adam with GRIDCAST_NATIVE_ADAM=0', async () => {
    await use('cpu');
    expect(adamImplementation()).toBe('native');
    const a = createAdamOptimizer(0.01);
    expect(a).toBeInstanceOf(NativeAdamOptimizer);
    a.dispose();
    process.env.GRIDCAST_NATIVE_ADAM = '0';
    expect(nativeAdamSupported()).toBe(false);
    expect(adamImplementation()).toBe('tfjs');
    const b = createAdamOptimizer(0.01);
    expect(b).not.toBeInstanceOf(NativeAdamOptimizer);
    expect(b.getClassName()).toBe('Adam');
    b.dispose();
    // A NativeAdamOptimizer made while the switch is off runs the TF.js ops: same bits.
    expectSameBits(await train(native, 3, 41), await train(tfjs, 3, 41));
  });

  it('the addon rejects bad arguments with an error, not a crash', () => {
    const addon = loadNativeAddon().addon as unknown as { adamUpdate: (...a: unknown[]) => void };
    const h = new Float32Array([0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-7, -0.01]);
    const f = (n: number) => new Float32Array(n);
    const [w, g, m, v] = [f(8), f(8), f(8), f(8)];
    expect(() => addon.adamUpdate(h, [w], [g], [m], [v], [w], [m], [v])).not.toThrow();
    expect(() => addon.adamUpdate(h, [w], [g], [m], [v], [w], [m])).toThrow(/8 arguments/);
    expect(() => addon.adamUpdate(new Float32Array(7), [w], [g], [m], [v], [w], [m], [v])).toThrow(/hyper/);
    expect(() => addon.adamUpdate(h, [w], [g, g], [m], [v], [w], [m], [v])).toThrow(/g must have 1 entries/);
    expect(() => addon.adamUpdate(h, [w], [f(7)], [m], [v], [w], [m], [v])).toThrow(/g\[0\] has 7 elements/);
    expect(() => addon.adamUpdate(h, [w], [new Float64Array(8)], [m], [v], [w], [m], [v])).toThrow(/Float32Array/);
    expect(() => addon.adamUpdate(h, w, [g], [m], [v], [w], [m], [v])).toThrow(/array/);
    // Outputs overlapping each other or an input other than their own.
    expect(() => addon.adamUpdate(h, [w], [g], [m], [v], [w], [w], [v])).toThrow(/overlaps/);
    expect(() => addon.adamUpdate(h, [w], [g], [m], [v], [g], [m], [v])).toThrow(/overlaps/);
    const big = f(16);
    expect(() => addon.adamUpdate(h, [big.subarray(0, 8)], [g], [m], [v], [big.subarray(4, 12)], [m], [v])).toThrow(/overlaps/);
    expect(() => addon.adamUpdate(h, [w, f(8)], [g, f(8)], [m, f(8)], [v, f(8)], [w, m], [m, f(8)], [v, f(8)])).toThrow(/overlaps/);
  });
});

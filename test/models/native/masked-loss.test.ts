/**
 * The fused native masked MSE/MAE (models/native/masked-loss-native.ts): value and gradient equal
 * the composite TensorFlow.js loss to 1e-6 (relative) on random data with NaN targets, on the cpu
 * and wasm backends; all-NaN targets give 0 and a zero gradient; results are bit-identical with 1,
 * 2 and 3 native threads; no tensors leak; maskedMse/maskedMae dispatch to it on cpu/wasm.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../models/backend.js';
import { preferConvLstmImpl } from '../../../models/convlstm/layer-impl.js';
import { compositeMaskedLoss, maskedMae, maskedMse } from '../../../models/losses.js';
import { setNativeThreads } from '../../../models/native/convlstm-native.js';
import { nativeMaskedLoss, nativeMaskedLossSupported } from '../../../models/native/masked-loss-native.js';
import { skipReason, useCpu } from './setup.js';

type Kind = 'mse' | 'mae';
type LossFn = (p: tf.Tensor, t: tf.Tensor) => tf.Scalar;

/** Deterministic pseudo-random data: pred ~ U(-2, 2), target ~ U(-2, 2) with a fraction NaN. */
function makeData(shape: number[], nanFrac: number, seed: number): { pred: Float32Array; target: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const pred = new Float32Array(n);
  const target = new Float32Array(n);
  for (let i = 0; i < n; ++i) {
    pred[i] = rnd() * 4 - 2;
    target[i] = rnd() < nanFrac ? NaN : rnd() * 4 - 2;
  }
  return { pred, target };
}

function valueAndGrad(fn: LossFn, data: { pred: Float32Array; target: Float32Array }, shape: number[]) {
  const pred = tf.tensor(data.pred, shape);
  const target = tf.tensor(data.target, shape);
  const before = tf.memory().numTensors;
  const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => fn(p, target))(pred);
  const out = { value: value.dataSync()[0]!, grad: grad.dataSync().slice() as Float32Array };
  tf.dispose([value, grad]);
  const leaked = tf.memory().numTensors - before;
  tf.dispose([pred, target]);
  return { ...out, leaked };
}

const nativeFn = (kind: Kind): LossFn => (p, t) => nativeMaskedLoss(p, t, kind);
const compositeFn = (kind: Kind): LossFn => (p, t) => compositeMaskedLoss(p, t, kind);

/** The loss in float64 from the same float32 data (differences p - t rounded to float32 as both do). */
function reference(data: { pred: Float32Array; target: Float32Array }, kind: Kind): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.pred.length; ++i) {
    const t = data.target[i]!;
    if (Number.isNaN(t)) continue;
    const d = Math.fround(data.pred[i]! - t);
    sum += kind === 'mse' ? d * d : Math.abs(d);
    count += 1;
  }
  return sum / Math.max(1, count);
}

/**
 * Value to 1e-6 relative, gradient element-wise to 1e-6 relative. `valueTol` widens the value's
 * tolerance only for the wasm backend's composite loss over many elements: its Sum kernel adds in
 * float32 one element after another (error ~1e-5 relative at 1e5 elements), while the native loss
 * (float64) and the cpu backend's Sum (JS numbers) agree with the float64 reference to 1e-6 there.
 */
function expectClose(got: { value: number; grad: Float32Array }, want: { value: number; grad: Float32Array }, valueTol = 1e-6) {
  expect(Math.abs(got.value - want.value)).toBeLessThanOrEqual(valueTol * Math.abs(want.value));
  expect(got.grad.length).toBe(want.grad.length);
  let worst = 0;
  for (let i = 0; i < want.grad.length; ++i) {
    const err = Math.abs(got.grad[i]! - want.grad[i]!) - 1e-6 * Math.abs(want.grad[i]!);
    if (!(err <= 0)) worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
  }
  expect(worst).toBe(0);
}

function bits(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

const shapes: [string, number[], number][] = [
  ['rank 5, 20% NaN', [2, 3, 4, 5, 6], 0.2],
  ['odd rank 3, no NaN', [1, 7, 13], 0],
  ['several chunks (parallel path), 35% NaN', [3, 5, 97, 101], 0.35],
  ['one element', [1], 0],
];

async function use(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'cpu') return useCpu();
  const sel = await selectBackend('wasm', { log: () => {} });
  expect(sel.backend).toBe('wasm');
}

describe.skipIf(skipReason !== '')('native masked loss', () => {
  afterEach(() => {
    setNativeThreads(0);
  });
  afterAll(async () => {
    preferConvLstmImpl(null);
    await useCpu();
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    for (const kind of ['mse', 'mae'] as const) {
      it.each(shapes)(`${backend} ${kind}: value and gradient equal the composite loss: %s`, async (_name, shape, nanFrac) => {
        await use(backend);
        expect(nativeMaskedLossSupported()).toBe(true);
        const data = makeData(shape, nanFrac, 1234 + shape.length);
        const want = valueAndGrad(compositeFn(kind), data, shape);
        const got = valueAndGrad(nativeFn(kind), data, shape);
        expect(got.leaked).toBe(0);
        expect(want.value).toBeGreaterThan(0);
        const n = data.pred.length;
        expectClose(got, want, backend === 'wasm' && n > 4096 ? 1e-4 : 1e-6);
        const ref = reference(data, kind);
        expect(Math.abs(got.value - ref)).toBeLessThanOrEqual(1e-6 * ref);
        // maskedMse / maskedMae take the native path here: same bits as the native op.
        const viaPublic = valueAndGrad(kind === 'mse' ? maskedMse : maskedMae, data, shape);
        expect(viaPublic.leaked).toBe(0);
        expect(viaPublic.value).toBe(got.value);
        expect(bits(viaPublic.grad).equals(bits(got.grad))).toBe(true);
      });
    }

    it(`${backend}: all-NaN targets give loss 0 and a zero gradient`, async () => {
      await use(backend);
      const shape = [2, 3, 40, 41];
      const data = makeData(shape, 1, 99);
      for (const kind of ['mse', 'mae'] as const) {
        const got = valueAndGrad(nativeFn(kind), data, shape);
        const want = valueAndGrad(compositeFn(kind), data, shape);
        expect(got.leaked).toBe(0);
        expect(got.value).toBe(0);
        expect(want.value).toBe(0);
        expect(got.grad.every((g) => g === 0)).toBe(true);
      }
    });

    it(`${backend}: bit-identical with 1, 2 and 3 native threads`, async () => {
      await use(backend);
      const shape = [4, 7, 33, 65]; // 60k elements: two chunks and a partial one
      const data = makeData(shape, 0.3, 4242);
      for (const kind of ['mse', 'mae'] as const) {
        const runs = [1, 2, 3].map((n) => {
          setNativeThreads(n);
          return valueAndGrad(nativeFn(kind), data, shape);
        });
        for (const r of runs.slice(1)) {
          expect(r.value).toBe(runs[0]!.value);
          expect(bits(r.grad).equals(bits(runs[0]!.grad))).toBe(true);
        }
      }
    });

    it(`${backend}: trains a variable with Adam like the composite loss, no leaks`, async () => {
      await use(backend);
      const shape = [2, 3, 8, 9];
      const data = makeData(shape, 0.25, 7);
      const results = ([nativeFn('mse'), compositeFn('mse')] as LossFn[]).map((fn) => {
        const v = tf.variable(tf.tensor(data.pred, shape));
        const target = tf.tensor(data.target, shape);
        const opt = tf.train.adam(0.01);
        const before = tf.memory().numTensors;
        const losses: number[] = [];
        for (let i = 0; i < 3; ++i) {
          const l = opt.minimize(() => fn(tf.mul(v, 1.5), target), true, [v])!;
          losses.push(l.dataSync()[0]!);
          l.dispose();
        }
        const afterSteps = tf.memory().numTensors;
        const w = v.dataSync().slice() as Float32Array;
        opt.dispose();
        tf.dispose([v, target]);
        return { losses, w, grew: afterSteps - before };
      });
      const [nat, comp] = results as [typeof results[0], typeof results[0]];
      // Adam's first steps create its moment variables (2 per variable + the step counters), no more.
      expect(nat.grew).toBe(comp.grew);
      nat.losses.forEach((l, i) => expect(Math.abs(l - comp.losses[i]!)).toBeLessThanOrEqual(1e-6 * comp.losses[i]!));
      nat.w.forEach((x, i) => expect(Math.abs(x - comp.w[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(comp.w[i]!))));
    });
  }

  it('the composite path is kept when GRIDCAST_NATIVE_LOSS=0 and on other backends', async () => {
    await useCpu();
    process.env.GRIDCAST_NATIVE_LOSS = '0';
    try {
      expect(nativeMaskedLossSupported()).toBe(false);
      const shape = [3, 4, 5];
      const data = makeData(shape, 0.2, 5);
      const a = valueAndGrad(maskedMse, data, shape);
      const b = valueAndGrad(compositeFn('mse'), data, shape);
      expect(a.value).toBe(b.value);
      expect(bits(a.grad).equals(bits(b.grad))).toBe(true);
    } finally {
      delete process.env.GRIDCAST_NATIVE_LOSS;
    }
    expect(nativeMaskedLossSupported()).toBe(true);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { clipByGlobalNorm, maskedMae, maskedMse, registerModelGradients, sanitizeInput } from '../../models/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerModelGradients();
});

describe('masked losses', () => {
  it('ignore NaN targets in the sum and the count', () => {
    const p = tf.tensor([1, 2, 3]);
    const t = tf.tensor([1, NaN, 5]);
    expect(maskedMse(p, t).dataSync()[0]).toBeCloseTo(2, 6);
    expect(maskedMae(p, t).dataSync()[0]).toBeCloseTo(1, 6);
    expect(maskedMse(p, tf.fill([3], NaN)).dataSync()[0]).toBe(0);
  });

  it('give finite gradients, zero where the target is NaN', () => {
    const p = tf.tensor([1, 2, 3]);
    const g = tf.grad((x: tf.Tensor) => maskedMse(x, tf.tensor([0, NaN, 0])))(p);
    expect(Array.from(g.dataSync())).toEqual([1, 0, 3]);
  });

  it('reject shape mismatches', () => {
    expect(() => maskedMse(tf.zeros([2]), tf.zeros([3]))).toThrow(/prediction \[2\] and target \[3\] differ/);
  });

  it('sanitizeInput replaces NaN by 0 and returns the mask', () => {
    const { values, mask } = sanitizeInput(tf.tensor([NaN, 2]));
    expect(Array.from(values.dataSync())).toEqual([0, 2]);
    expect(Array.from(mask.dataSync())).toEqual([0, 1]);
  });
});

describe('clipByGlobalNorm', () => {
  it('scales to the max norm when above, leaves alone when below', () => {
    const a = tf.tensor([3, 0]);
    const b = tf.tensor([4]);
    const { grads, globalNorm } = clipByGlobalNorm({ a, b }, 1);
    expect(globalNorm).toBeCloseTo(5, 5);
    expect(Array.from(grads.a!.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.6, 0]);
    expect(grads.b!.dataSync()[0]).toBeCloseTo(0.8, 5);
    const kept = clipByGlobalNorm([a, b], 10);
    expect(kept.globalNorm).toBeCloseTo(5, 5);
    expect(kept.grads[1]!.dataSync()[0]).toBeCloseTo(4, 6);
    expect(() => clipByGlobalNorm([a], 0)).toThrow(/maxNorm must be positive/);
  });
});

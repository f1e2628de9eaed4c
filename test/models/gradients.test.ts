/**
 * Our ports of tfjs-core's gradient configs (models/gradients.ts) against central finite
 * differences, op by op, on small random inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerModelGradients } from '../../models/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerModelGradients();
});

/** max |analytic - numeric| / max(1, |numeric|) for d sum(f(x) * r) / dx. */
function check(f: (x: tf.Tensor) => tf.Tensor, shape: number[], seed: number, eps = 1e-2): number {
  return tf.tidy(() => {
    const x = tf.randomUniform(shape, 0.2, 1.5, 'float32', seed);
    const r = tf.randomNormal(f(x).shape, 0, 1, 'float32', seed + 1);
    const loss = (t: tf.Tensor) => tf.sum(tf.mul(f(t), r)) as tf.Scalar;
    const g = tf.grad(loss)(x).dataSync();
    const xv = Float64Array.from(x.dataSync());
    let worst = 0;
    for (let i = 0; i < xv.length; i++) {
      const plus = xv.slice(); plus[i]! += eps;
      const minus = xv.slice(); minus[i]! -= eps;
      const num = (loss(tf.tensor(Float32Array.from(plus), shape)).dataSync()[0]! - loss(tf.tensor(Float32Array.from(minus), shape)).dataSync()[0]!) / (2 * eps);
      worst = Math.max(worst, Math.abs(g[i]! - num) / Math.max(1, Math.abs(num)));
    }
    return worst;
  });
}

const other = tf.tensor([[0.5, -1, 2]]);
const cases: [string, (x: tf.Tensor) => tf.Tensor, number[], number?][] = [
  ['add/sub/mul/div with broadcasting', (x) => tf.div(tf.sub(tf.mul(tf.add(x, other), other), x), tf.add(other, 3)), [2, 3]],
  ['addN, neg, square, sqrt, abs, exp, log', (x) => tf.addN([tf.neg(tf.square(x)), tf.sqrt(x), tf.abs(tf.sub(x, 0.7)), tf.exp(x), tf.log(x)]), [2, 3]],
  ['sigmoid, tanh, relu', (x) => tf.add(tf.sigmoid(x), tf.mul(tf.tanh(x), tf.relu(tf.sub(x, 0.8)))), [3, 2]],
  ['softmax', (x) => tf.softmax(x), [2, 4]],
  ['sum and mean over axes', (x) => tf.add(tf.sum(x, [0, 2], true), tf.mean(x, 1, true)), [2, 3, 2]],
  ['reshape, transpose, expandDims, squeeze, cast', (x) => tf.cast(tf.squeeze(tf.expandDims(tf.transpose(tf.reshape(x, [3, 2, 2]), [2, 0, 1]), 1), [1]), 'float32'), [2, 6]],
  ['slice, pad, concat, split', (x) => tf.add(tf.concat(tf.split(tf.pad(tf.slice(x, [0, 1], [2, 2]), [[1, 0], [0, 2]]), [1, 3], 1), 1), tf.sum(x)), [2, 3]],
  ['stack, unstack, reverse, tile', (x) => tf.tile(tf.reverse(tf.stack(tf.unstack(x, 1), 0), [0]), [2, 1]), [2, 3]],
  ['matMul with every transpose flag', (x) => tf.addN([tf.matMul(x, x, false, true), tf.matMul(x, x, true, false), tf.matMul(tf.transpose(x), x, true, true), tf.matMul(tf.square(x), x)]), [3, 3]],
  ['conv2d (same, stride 1) and 1x1', (x) => tf.add(tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 2, 2]), 1, 'same'), tf.conv2d(x as tf.Tensor4D, tf.fill([1, 1, 2, 2], 0.5), 1, 'same')), [1, 4, 3, 2]],
];

describe('gradients registered by models/gradients.ts = finite differences', () => {
  it.each(cases)('%s', (_n, f, shape, eps) => {
    expect(check(f, shape, 7, eps)).toBeLessThan(2e-2);
  });

  it('where, maximum, minimum, clipByValue (piecewise: exact values away from the kinks)', () => {
    const x = tf.tensor([0.3, 0.7, 1.0, 1.4]);
    const g = (f: (t: tf.Tensor) => tf.Tensor) => Array.from(tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x).dataSync()).map((v) => +v.toFixed(5));
    expect(g((t) => tf.where(tf.greater(t, 0.8), t, tf.square(t)))).toEqual([0.6, 1.4, 1, 1]);
    expect(g((t) => tf.maximum(t, 0.9))).toEqual([0, 0, 1, 1]);
    expect(g((t) => tf.minimum(t, 0.6))).toEqual([1, 0, 0, 0]);
    expect(g((t) => tf.clipByValue(t, 0.5, 1.2))).toEqual([0, 1, 1, 0]);
  });
});

/**
 * Adam's state (iteration count, first and second moments) as named arrays, so a resumed run
 * continues exactly where it stopped. The layout is TF.js Adam's, which the native Adam
 * (models/native/adam-native.ts) shares: a state saved by either restores into the other.
 * TensorFlow.js matches moments to variables by position, so the names carry a zero-padded index
 * that restores the order.
 */
import * as tf from '@tensorflow/tfjs-core';
import { adamBetaPower } from '../../models/optimizers.js';
import type { NamedArrays } from '../checkpoint/checkpoint.js';

/** Copies the optimizer's weights out of the backend. */
export async function readOptimizerState(opt: tf.Optimizer): Promise<NamedArrays> {
  const out: NamedArrays = {};
  const weights = await opt.getWeights();
  for (const [i, w] of weights.entries()) {
    out[`${String(i).padStart(5, '0')}:${w.name}`] = { shape: [...w.tensor.shape], data: Float32Array.from(await w.tensor.data()) };
  }
  // The iteration count is a fresh scalar made by getWeights (tf.Optimizer.saveIterations) for the
  // caller; the moments are the optimizer's own variables and stay.
  if (weights[0]?.name === 'iter') weights[0].tensor.dispose();
  return out;
}

/** Restores state saved by readOptimizerState. */
export async function restoreOptimizerState(opt: tf.Optimizer, state: NamedArrays): Promise<void> {
  const keys = Object.keys(state).sort();
  const list = keys.map((k, i) => ({
    name: k.slice(k.indexOf(':') + 1),
    tensor: i === 0 ? tf.tensor(Int32Array.from(state[k].data), state[k].shape, 'int32') : tf.tensor(state[k].data, state[k].shape, 'float32'),
  }));
  await opt.setWeights(list);
  for (const w of list) w.tensor.dispose();
  restoreAdamBetaPowers(opt, keys.length ? state[keys[0]].data[0] : 0);
}

/**
 * TensorFlow.js's Adam restores its bias-correction powers as pow(beta, n + 1), while training
 * multiplies them by beta once per step; the two differ in the last float32 bit, so a resumed
 * run would drift from an uninterrupted one. Recompute them the way training does (float32
 * products, which Math.fround reproduces exactly), so resuming is bit-exact.
 */
function restoreAdamBetaPowers(opt: tf.Optimizer, iterations: number): void {
  const adam = opt as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable; beta1?: number; beta2?: number };
  if (!(adam.accBeta1 instanceof tf.Variable) || !(adam.accBeta2 instanceof tf.Variable) || typeof adam.beta1 !== 'number' || typeof adam.beta2 !== 'number') return;
  tf.tidy(() => {
    adam.accBeta1!.assign(tf.scalar(adamBetaPower(adam.beta1!, iterations)));
    adam.accBeta2!.assign(tf.scalar(adamBetaPower(adam.beta2!, iterations)));
  });
}

/**
 * Adam's state (iteration count, first and second moments) as named arrays, so a resumed run
 * continues exactly where it stopped. TensorFlow.js matches moments to variables by position, so
 * the names carry a zero-padded index that restores the order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedArrays } from '../checkpoint/checkpoint.js';

/** Copies the optimizer's weights out of the backend. */
export async function readOptimizerState(opt: tf.Optimizer): Promise<NamedArrays> {
  const out: NamedArrays = {};
  for (const [i, w] of (await opt.getWeights()).entries()) {
    out[`${String(i).padStart(5, '0')}:${w.name}`] = { shape: [...w.tensor.shape], data: Float32Array.from(await w.tensor.data()) };
  }
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
}

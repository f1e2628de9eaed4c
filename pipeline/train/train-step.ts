/**
 * One training step — gradients of a scalar loss w.r.t. the trainable variables, optional clipping
 * by global norm, one optimizer update — as the training stage runs it and as `npm run
 * bench:models` times it, so the benchmark measures exactly what training does.
 *
 * ```ts
 * const opt = createAdamOptimizer(1e-3);                 // models/optimizers.ts
 * const loss = trainStep(() => maskedMse(model.predict(x), y), model.trainableVariables(), opt);
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm } from '../../models/losses.js';

/** Runs one step and returns the loss before the update. Every intermediate tensor is freed. */
export function trainStep(loss: () => tf.Scalar, vars: tf.Variable[], optimizer: tf.Optimizer, clipNorm = 0): number {
  return tf.tidy(() => {
    const { value, grads } = tf.variableGrads(loss, vars);
    optimizer.applyGradients(clipNorm > 0 ? clipByGlobalNorm(grads, clipNorm).grads : grads);
    return value.dataSync()[0]!;
  });
}

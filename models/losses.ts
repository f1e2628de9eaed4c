/**
 * Losses that ignore missing targets, the NaN rules for inputs, and gradient clipping.
 *
 * NaN rules: a NaN target contributes nothing (neither to the sum nor to the count); a NaN input
 * is replaced by 0 before it reaches any weight (`sanitizeInput`, applied by every model's
 * predict), so NaN never propagates into gradients or weights.
 *
 * ```ts
 * const loss = maskedMse(model.predict(x), y);          // y may hold NaN
 * const { grads, globalNorm } = clipByGlobalNorm(g, 1);  // g from tf.variableGrads
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { registerModelGradients } from './gradients.js';
import { InvalidInputError } from './errors.js';
import { nativeMaskedLoss, nativeMaskedLossSupported } from './native/masked-loss-native.js';

/** 1 where `t` holds a number, 0 where NaN (float32, same shape). */
export function validMask(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.logicalNot(tf.isNaN(t)), 'float32'));
}

/** NaN → 0, plus the validity mask (1 = observed). Both new tensors. */
export function sanitizeInput<T extends tf.Tensor>(x: T): { values: T; mask: T } {
  return tf.tidy(() => {
    const nan = tf.isNaN(x);
    return { values: tf.where(nan, tf.zerosLike(x), x) as T, mask: tf.cast(tf.logicalNot(nan), 'float32') as T };
  });
}

function masked(pred: tf.Tensor, target: tf.Tensor, name: string, f: (d: tf.Tensor) => tf.Tensor, native?: 'mse' | 'mae'): tf.Scalar {
  if (pred.shape.length !== target.shape.length || pred.shape.some((s, i) => s !== target.shape[i])) {
    throw new InvalidInputError(`prediction [${pred.shape.join(', ')}] and target [${target.shape.join(', ')}] differ`, { model: name, field: 'target', expected: 'equal shapes' });
  }
  // The fused native loss (models/native/masked-loss-native.ts) on cpu/wasm when the addon is loaded.
  if (native && pred.dtype === 'float32' && target.dtype === 'float32' && nativeMaskedLossSupported()) {
    return nativeMaskedLoss(pred, target, native);
  }
  return compositeMasked(pred, target, f);
}

function compositeMasked(pred: tf.Tensor, target: tf.Tensor, f: (d: tf.Tensor) => tf.Tensor): tf.Scalar {
  registerModelGradients();
  return tf.tidy(() => {
    const nan = tf.isNaN(target);
    const valid = tf.cast(tf.logicalNot(nan), 'float32');
    const diff = tf.mul(tf.sub(pred, tf.where(nan, tf.zerosLike(target), target)), valid);
    return tf.div(tf.sum(f(diff)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}

/** Mean squared error over the non-NaN targets (0 when every target is NaN). */
export function maskedMse(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return masked(pred, target, 'maskedMse', tf.square, 'mse');
}

/** Mean absolute error over the non-NaN targets (0 when every target is NaN). */
export function maskedMae(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return masked(pred, target, 'maskedMae', tf.abs, 'mae');
}

/**
 * The composite TensorFlow.js form of maskedMse / maskedMae, whatever the backend (the reference
 * of the fused native loss; maskedMse/maskedMae use that one on cpu/wasm when the addon is loaded).
 */
export function compositeMaskedLoss(pred: tf.Tensor, target: tf.Tensor, kind: 'mse' | 'mae'): tf.Scalar {
  if (pred.shape.length !== target.shape.length || pred.shape.some((s, i) => s !== target.shape[i])) {
    throw new InvalidInputError(`prediction [${pred.shape.join(', ')}] and target [${target.shape.join(', ')}] differ`, { model: kind === 'mse' ? 'maskedMse' : 'maskedMae', field: 'target', expected: 'equal shapes' });
  }
  return compositeMasked(pred, target, kind === 'mse' ? tf.square : tf.abs);
}

/**
 * Scales every gradient by maxNorm / max(globalNorm, maxNorm) (TensorFlow's clip_by_global_norm).
 * Returns new tensors (the inputs are not disposed) and the norm before clipping.
 */
export function clipByGlobalNorm<G extends tf.NamedTensorMap | tf.Tensor[]>(grads: G, maxNorm: number): { grads: G; globalNorm: number } {
  if (!(maxNorm > 0)) throw new InvalidInputError(`maxNorm must be positive, got ${maxNorm}`, { model: 'clipByGlobalNorm', field: 'maxNorm' });
  const list: tf.Tensor[] = Array.isArray(grads) ? grads : Object.values(grads);
  const norm = tf.tidy(() => tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))));
  const globalNorm = norm.dataSync()[0]!;
  norm.dispose();
  const scale = globalNorm > maxNorm ? maxNorm / globalNorm : 1;
  const scaled = list.map((g) => tf.mul(g, scale));
  if (Array.isArray(grads)) return { grads: scaled as G, globalNorm };
  const out: tf.NamedTensorMap = {};
  Object.keys(grads).forEach((k, i) => { out[k] = scaled[i]!; });
  return { grads: out as G, globalNorm };
}

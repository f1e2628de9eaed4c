/**
 * The optimizer every training loop uses (pipeline training, benchmarks): Adam, fused in the native
 * addon when it can run (addon loaded, cpu or wasm backend, GRIDCAST_NATIVE_ADAM not 0), else
 * TensorFlow.js's own. Both give the same numbers, take the same `learningRate` assignments and
 * save/restore the same state (pipeline/train/optimizer-state.ts), so checkpoints move freely
 * between them.
 *
 * ```ts
 * const opt = createAdamOptimizer(1e-3);
 * opt.applyGradients(grads);   // or opt.minimize(() => loss)
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { NativeAdamOptimizer, nativeAdamSupported } from './native/adam-native.js';

export { adamBetaPower } from './native/adam-native.js';

/** Adam with TF.js's defaults (β1 0.9, β2 0.999, ε = the backend's epsilon): native when supported. */
export function createAdamOptimizer(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number): tf.Optimizer & { learningRate: number } {
  if (nativeAdamSupported()) return new NativeAdamOptimizer(learningRate, beta1, beta2, epsilon ?? null);
  return tf.train.adam(learningRate, beta1, beta2, epsilon) as unknown as tf.Optimizer & { learningRate: number };
}

/** 'native' when createAdamOptimizer would return the fused Adam now, else 'tfjs'. */
export function adamImplementation(): 'native' | 'tfjs' {
  return nativeAdamSupported() ? 'native' : 'tfjs';
}

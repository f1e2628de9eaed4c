/**
 * The uniform interface the training and predict stages drive, whatever the architecture:
 * `predict(x)` maps (B, T_in, C, H, W) → (B, T_out, C_out, H, W); weights are named arrays; the
 * config is plain JSON with a `kind` tag, so `createModel(config)` rebuilds any model.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { NamedWeights } from './weights.js';

/** Options of a forward pass. */
export interface ForwardOptions {
  /** Training mode: dropout active, teacher forcing possible. Default false. */
  training?: boolean;
  /** Targets (B, T_out, C_out, H, W) for teacher forcing (scheduled sampling); NaN = use own prediction. */
  targets?: tf.Tensor5D;
  /** Probability of feeding the target instead of the model's own prediction to the next decoder step. Default 0. */
  teacherForcingProb?: number;
  /** Uniform [0, 1) source for teacher forcing and dropout. Default Math.random. */
  rng?: () => number;
}

/** What every forecasting model offers. */
export interface ForecastModel<C extends { kind: string } = { kind: string }> {
  /** The model kind ('convlstm-forecaster' | 'sequence-grid'). */
  readonly kind: C['kind'];
  /** (B, T_in, C, H, W) → (B, T_out, C_out, H, W); NaN inputs are read as 0. Returns a new tensor. */
  predict(x: tf.Tensor5D, options?: ForwardOptions): tf.Tensor5D;
  /** Trainable variables, in a stable order. */
  trainableVariables(): tf.Variable[];
  /** Plain-JSON config that createModel rebuilds this model from. */
  getConfig(): C;
  /** Weights as named arrays. */
  getWeights(): NamedWeights;
  /** Replaces every weight (names and shapes checked). */
  setWeights(weights: NamedWeights): void;
  /** Disposes the variables. */
  dispose(): void;
}

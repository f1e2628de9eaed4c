/**
 * The forecasters' head: a 1x1 convolution (hidden channels → output channels) applied to every
 * time step and cell, written as one matMul over the channel axis.
 */
import * as tf from '@tensorflow/tfjs-core';
import { uniformInit, VariableSet } from '../weights.js';

/** 1x1 conv head over [B, T, F, H, W] → [B, T, O, H, W]. Variables `weight` [F, O], `bias` [O]. */
export class PointwiseHead {
  readonly variables = new VariableSet();
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(readonly inChannels: number, readonly outChannels: number, seed: number) {
    this.weight = this.variables.add('weight', uniformInit([inChannels, outChannels], inChannels, seed));
    this.bias = this.variables.add('bias', uniformInit([outChannels], inChannels, seed + 1));
  }

  /** Applies the head to [B, T, F, H, W]. */
  apply(feats: tf.Tensor5D): tf.Tensor5D {
    return tf.tidy(() => {
      const [B, T, F, H, W] = feats.shape;
      const rows = tf.reshape(tf.transpose(feats, [0, 1, 3, 4, 2]), [B * T * H * W, F]);
      const y = tf.add(tf.matMul(rows, this.weight), this.bias);
      return tf.transpose(tf.reshape(y, [B, T, H, W, this.outChannels]), [0, 1, 4, 2, 3]) as tf.Tensor5D;
    });
  }
}

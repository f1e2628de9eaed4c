/**
 * A sequence forecaster run independently on every grid cell (a strong, cheap baseline): the
 * (B, T, C, H, W) input becomes B*H*W series of T steps of C features; the forecast (B*H*W, T_out,
 * C_out) is put back on the grid. Weights are shared across cells.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../errors.js';
import type { ForecastModel, ForwardOptions } from '../model.js';
import type { NamedWeights } from '../weights.js';
import { resolveSequenceOptions, SequenceForecaster, type SequenceForecasterConfig, type SequenceForecasterOptions } from './sequence-forecaster.js';

/** Config of the per-cell model: a sequence forecaster whose features are the grid's channels. */
export type GridSequenceConfig = SequenceForecasterConfig & { kind: 'sequence-grid' };
/** Options: SequenceForecasterOptions with inputSize = C and outSize = C_out. */
export type GridSequenceOptions = SequenceForecasterOptions & { kind?: 'sequence-grid' };

/** Per-cell RNN/LSTM/GRU forecaster behind the uniform grid interface. */
export class GridSequenceModel implements ForecastModel<GridSequenceConfig> {
  readonly kind = 'sequence-grid' as const;
  readonly net: SequenceForecaster;

  constructor(options: GridSequenceOptions) {
    this.net = new SequenceForecaster(resolveSequenceOptions(options, 'GridSequenceModel'));
  }

  static fromConfigAndWeights(config: GridSequenceConfig, weights: NamedWeights): GridSequenceModel {
    const m = new GridSequenceModel(config);
    try { m.setWeights(weights); } catch (e) { m.dispose(); throw e; }
    return m;
  }

  predict(x: tf.Tensor5D, options: ForwardOptions = {}): tf.Tensor5D {
    const c = this.net.config;
    if (x.rank !== 5 || x.shape[2] !== c.inputSize) {
      throw new InvalidInputError(`input has shape [${x.shape.join(', ')}]`, { model: 'GridSequenceModel', field: 'x', expected: `[B, T, ${c.inputSize}, H, W]` });
    }
    return tf.tidy(() => {
      const [B, T, C, H, W] = x.shape;
      const series = tf.reshape(tf.transpose(x, [0, 3, 4, 1, 2]), [B * H * W, T, C]) as tf.Tensor3D;
      const y = this.net.forward(series, undefined, options);
      return tf.transpose(tf.reshape(y, [B, H, W, c.outLen, c.outSize]), [0, 3, 4, 1, 2]) as tf.Tensor5D;
    });
  }

  getConfig(): GridSequenceConfig { return { ...this.net.getConfig(), kind: 'sequence-grid' }; }
  getWeights(): NamedWeights { return this.net.getWeights(); }
  setWeights(w: NamedWeights): void { this.net.setWeights(w); }
  trainableVariables(): tf.Variable[] { return this.net.trainableVariables(); }
  dispose(): void { this.net.dispose(); }
}

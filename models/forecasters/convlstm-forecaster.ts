/**
 * Grid forecaster on the stacked ConvLSTM, with two heads:
 *  - 'slice-project' (the seed's recipe): encode the T_in inputs, keep the last T_out steps of the
 *    output, map hidden → output channels with a 1x1 conv. Needs T_out <= T_in.
 *  - 'encoder-decoder': the encoder's final states seed a decoder ConvLSTM that rolls out T_out
 *    steps, each fed the previous prediction (or, in training, the target with probability
 *    `teacherForcingProb`: scheduled sampling). The first decoder input is the last input frame's
 *    target channels (zeros when outputs are not among the inputs).
 * `returnAllLayers`: the head reads the concatenation of every layer's output (a multi-scale skip
 * head) instead of the last layer's only. `residual`: the head predicts a change — from the last
 * input frame ('slice-project') or from the previous step's prediction ('encoder-decoder').
 *
 * ```ts
 * const m = new ConvLSTMForecaster({ inputDim: 2, outputDim: 1, hiddenDim: [16, 16], numLayers: 2, outputLen: 3 });
 * const y = m.predict(x);   // [B, T_in, 2, H, W] → [B, 3, 1, H, W]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { ConvLSTM, type ConvLSTMOptions, type LayerState, resolveConvLSTMOptions } from '../convlstm/convlstm.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { sanitizeInput } from '../losses.js';
import type { ForecastModel, ForwardOptions } from '../model.js';
import { bool, numberIn, oneOf, positiveInt } from '../options.js';
import { assignWeights, readWeights, type NamedWeights, VariableSet } from '../weights.js';
import { PointwiseHead } from './head.js';

const MODEL = 'ConvLSTMForecaster';

/** Options of the grid forecaster (ConvLSTM options plus the head's). */
export interface ConvLSTMForecasterOptions extends Omit<ConvLSTMOptions, 'batchFirst' | 'returnAllLayers'> {
  kind?: 'convlstm-forecaster';
  /** Output channels C_out. Required. */
  outputDim: number;
  /** Lead times T_out. Required. */
  outputLen: number;
  /** 'slice-project' (the seed's) or 'encoder-decoder'. Default 'slice-project'. */
  head?: 'slice-project' | 'encoder-decoder';
  /** Head reads every layer's output (concatenated) instead of the last layer's. Default false. */
  returnAllLayers?: boolean;
  /** Predict changes instead of values (needs targetChannels). Default false. */
  residual?: boolean;
  /**
   * Input channel of each output channel (for residual and the decoder's first input). Default
   * [0, …, outputDim-1] when outputDim <= inputDim, else null (no correspondence).
   */
  targetChannels?: number[] | null;
}

/** The resolved config. */
export interface ConvLSTMForecasterConfig {
  kind: 'convlstm-forecaster';
  inputDim: number;
  outputDim: number;
  outputLen: number;
  hiddenDim: number[];
  kernelSize: [number, number][];
  numLayers: number;
  bias: boolean;
  head: 'slice-project' | 'encoder-decoder';
  returnAllLayers: boolean;
  residual: boolean;
  targetChannels: number[] | null;
  seed: number;
}

/** Resolves defaults and validates (errors name the field). */
export function resolveForecasterOptions(o: ConvLSTMForecasterOptions): ConvLSTMForecasterConfig {
  const enc = resolveConvLSTMOptions({ ...o, batchFirst: true, returnAllLayers: true });
  const outputDim = positiveInt(o.outputDim, 'outputDim', MODEL);
  const defTargets = outputDim <= enc.inputDim ? [...Array(outputDim).keys()] : null;
  const targetChannels = o.targetChannels === undefined ? defTargets : o.targetChannels;
  if (targetChannels !== null) {
    if (!Array.isArray(targetChannels) || targetChannels.length !== outputDim || targetChannels.some((c) => !Number.isInteger(c) || c < 0 || c >= enc.inputDim)) {
      throw new InvalidOptionError(`targetChannels must list ${outputDim} input channel indices in [0, ${enc.inputDim}), got ${JSON.stringify(targetChannels)}`, { model: MODEL, field: 'targetChannels' });
    }
  }
  const residual = bool(o.residual ?? false, 'residual', MODEL);
  if (residual && targetChannels === null) {
    throw new InvalidOptionError('residual needs targetChannels (which input channel each output continues)', { model: MODEL, field: 'residual' });
  }
  return {
    kind: 'convlstm-forecaster',
    inputDim: enc.inputDim,
    outputDim,
    outputLen: positiveInt(o.outputLen, 'outputLen', MODEL),
    hiddenDim: enc.hiddenDim,
    kernelSize: enc.kernelSize,
    numLayers: enc.numLayers,
    bias: enc.bias,
    head: oneOf(o.head ?? 'slice-project', ['slice-project', 'encoder-decoder'] as const, 'head', MODEL),
    returnAllLayers: bool(o.returnAllLayers ?? false, 'returnAllLayers', MODEL),
    residual,
    targetChannels,
    seed: o.seed ?? 0,
  };
}

/** Stacked-ConvLSTM grid forecaster. Weights: `encoder.*`, `decoder.*` (encoder-decoder), `head.*`. */
export class ConvLSTMForecaster implements ForecastModel<ConvLSTMForecasterConfig> {
  readonly kind = 'convlstm-forecaster' as const;
  readonly config: ConvLSTMForecasterConfig;
  readonly encoder: ConvLSTM;
  readonly decoder: ConvLSTM | null;
  readonly head: PointwiseHead;
  private readonly variables = new VariableSet();

  constructor(options: ConvLSTMForecasterOptions) {
    const c = (this.config = resolveForecasterOptions(options));
    const stack = { hiddenDim: c.hiddenDim, kernelSize: c.kernelSize, numLayers: c.numLayers, bias: c.bias, batchFirst: true, returnAllLayers: true };
    this.encoder = new ConvLSTM({ ...stack, inputDim: c.inputDim, seed: c.seed });
    this.decoder = c.head === 'encoder-decoder' ? new ConvLSTM({ ...stack, inputDim: c.outputDim, seed: c.seed + 7 }) : null;
    const feat = c.returnAllLayers ? c.hiddenDim.reduce((a, b) => a + b, 0) : c.hiddenDim[c.hiddenDim.length - 1]!;
    this.head = new PointwiseHead(feat, c.outputDim, c.seed + 13);
    this.variables.merge('encoder', this.encoder.variables);
    if (this.decoder) this.variables.merge('decoder', this.decoder.variables);
    this.variables.merge('head', this.head.variables);
  }

  /** Rebuilds from a config (getConfig's output). */
  static fromConfig(config: ConvLSTMForecasterConfig): ConvLSTMForecaster {
    return new ConvLSTMForecaster(config);
  }

  /** Rebuilds from a config and named weights (validated). */
  static fromConfigAndWeights(config: ConvLSTMForecasterConfig, weights: NamedWeights): ConvLSTMForecaster {
    const m = new ConvLSTMForecaster(config);
    try { m.setWeights(weights); } catch (e) { m.dispose(); throw e; }
    return m;
  }

  getConfig(): ConvLSTMForecasterConfig { return JSON.parse(JSON.stringify(this.config)) as ConvLSTMForecasterConfig; }
  getWeights(): NamedWeights { return readWeights(this.variables.vars); }
  setWeights(weights: NamedWeights): void { assignWeights(this.variables.vars, weights, MODEL); }
  trainableVariables(): tf.Variable[] { return [...this.variables.vars.values()]; }
  dispose(): void { this.variables.dispose(); }

  private features(layerOutputs: tf.Tensor5D[]): tf.Tensor5D {
    return this.config.returnAllLayers ? (tf.concat(layerOutputs, 2) as tf.Tensor5D) : layerOutputs[layerOutputs.length - 1]!;
  }

  /** The target channels of the last input frame, [B, C_out, H, W] (zeros when there is no mapping). */
  private lastFrame(x: tf.Tensor5D): tf.Tensor4D {
    const [B, T, , H, W] = x.shape;
    const last = tf.reshape(tf.slice(x, [0, T - 1, 0, 0, 0], [B, 1, -1, H, W]), [B, x.shape[2], H, W]) as tf.Tensor4D;
    const tc = this.config.targetChannels;
    if (!tc) return tf.zeros([B, this.config.outputDim, H, W]);
    return tf.concat(tc.map((ch) => tf.slice(last, [0, ch, 0, 0], [B, 1, H, W])), 1) as tf.Tensor4D;
  }

  predict(x: tf.Tensor5D, options: ForwardOptions = {}): tf.Tensor5D {
    const c = this.config;
    if (x.rank !== 5 || x.shape[2] !== c.inputDim) {
      throw new InvalidInputError(`input has shape [${x.shape.join(', ')}]`, { model: MODEL, field: 'x', expected: `[B, T_in, ${c.inputDim}, H, W]` });
    }
    if (c.head === 'slice-project' && x.shape[1] < c.outputLen) {
      throw new InvalidInputError(`input has ${x.shape[1]} steps but the 'slice-project' head needs at least outputLen = ${c.outputLen}`, { model: MODEL, field: 'x' });
    }
    const tfp = numberIn(options.teacherForcingProb ?? 0, 0, 1, 'teacherForcingProb', MODEL);
    if (options.targets && tfp > 0) {
      const want = [x.shape[0], c.outputLen, c.outputDim, x.shape[3], x.shape[4]];
      if (options.targets.shape.some((s, i) => s !== want[i])) {
        throw new InvalidInputError(`targets have shape [${options.targets.shape.join(', ')}]`, { model: MODEL, field: 'targets', expected: `[${want.join(', ')}]` });
      }
    }
    return tf.tidy(() => {
      const { values } = sanitizeInput(x);
      return c.head === 'slice-project' ? this.sliceProject(values) : this.rollout(values, options, tfp);
    });
  }

  private sliceProject(x: tf.Tensor5D): tf.Tensor5D {
    const { outputLen } = this.config;
    const { layerOutputs } = this.encoder.apply(x);
    const feats = this.features(layerOutputs);
    const [B, T, F, H, W] = feats.shape;
    const y = this.head.apply(tf.slice(feats, [0, T - outputLen, 0, 0, 0], [B, outputLen, F, H, W]));
    return this.config.residual ? tf.add(y, tf.expandDims(this.lastFrame(x), 1)) : y;
  }

  private rollout(x: tf.Tensor5D, o: ForwardOptions, tfp: number): tf.Tensor5D {
    const { outputLen } = this.config;
    const rng = o.rng ?? Math.random;
    let states: LayerState[] = this.encoder.apply(x).lastStates;
    let prev = this.lastFrame(x);
    const ys: tf.Tensor4D[] = [];
    for (let t = 0; t < outputLen; t++) {
      const r = this.decoder!.apply(tf.expandDims(prev, 1), states);
      states = r.lastStates;
      let y = tf.squeeze(this.head.apply(this.features(r.layerOutputs)), [1]) as tf.Tensor4D;
      if (this.config.residual) y = tf.add(y, prev);
      ys.push(y);
      prev = y;
      if (o.training && o.targets && tfp > 0 && t + 1 < outputLen && rng() < tfp) {
        const [B, , C, H, W] = o.targets.shape;
        const target = tf.reshape(tf.slice(o.targets, [0, t, 0, 0, 0], [B, 1, C, H, W]), [B, C, H, W]);
        prev = tf.where(tf.isNaN(target), y, target) as tf.Tensor4D;
      }
    }
    return tf.stack(ys, 1) as tf.Tensor5D;
  }
}

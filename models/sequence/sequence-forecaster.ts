/**
 * The seed's sequence forecasters `(input_len, input_size, out_len, out_size, hidden_dim, n_layers)`
 * with RNN / LSTM / GRU cells, x [B, inputLen, inputSize] → [B, outLen, outSize]:
 *  - 'stacked': the recurrent stack, then the "slice the last outLen steps, then project" head
 *    (`headOrder: 'project-slice'` gives the same numbers with more compute, as the seed notes).
 *  - 'encoder-decoder': the encoder's final states seed a decoder stack rolled out outLen steps,
 *    fed its previous prediction (first input: the last input step's target features, or zeros).
 *  - 'attention': as encoder-decoder, plus Luong (general) attention over the encoder outputs; the
 *    head reads [decoder h; context].
 * A bidirectional encoder's two directions are summed to seed the (unidirectional) decoder.
 *
 * ```ts
 * const net = new SequenceForecaster({ cell: 'lstm', inputLen: 10, inputSize: 7, outLen: 3, outSize: 1, hiddenDim: 28, nLayers: 1 });
 * net.forward(x).shape;   // x [5, 10, 7] → [5, 3, 1]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { registerModelGradients } from '../gradients.js';
import type { ForwardOptions } from '../model.js';
import { bool, numberIn, oneOf, positiveInt } from '../options.js';
import { assignWeights, readWeights, type NamedWeights, uniformInit, VariableSet } from '../weights.js';
import { type CellType, RecurrentStack, type RecurrentState } from './recurrent.js';

const MODEL = 'SequenceForecaster';

/** Options (the seed's six numbers plus PyTorch's recurrent options). */
export interface SequenceForecasterOptions {
  /** 'rnn' | 'lstm' | 'gru'. Default 'lstm'. */
  cell?: CellType;
  /** Input steps. Required. */
  inputLen: number;
  /** Input features. Required. */
  inputSize: number;
  /** Output steps. Required. */
  outLen: number;
  /** Output features. Required. */
  outSize: number;
  /** Hidden features. Required. */
  hiddenDim: number;
  /** Stacked layers. Default 1. */
  nLayers?: number;
  /** RNN only: 'tanh' | 'relu'. Default 'tanh'. */
  nonlinearity?: 'tanh' | 'relu';
  /** Biases. Default true. */
  bias?: boolean;
  /** Dropout between layers in training, in [0, 1). Default 0. */
  dropout?: number;
  /** LSTM only: project h to this size (PyTorch's proj_size, < hiddenDim); 0 = none. Default 0. */
  projSize?: number;
  /** Two independent directions, outputs concatenated. Default false. */
  bidirectional?: boolean;
  /** 'stacked' | 'encoder-decoder' | 'attention'. Default 'stacked'. */
  architecture?: 'stacked' | 'encoder-decoder' | 'attention';
  /** 'slice-project' (the seed's recommendation) or 'project-slice'. Default 'slice-project'. */
  headOrder?: 'slice-project' | 'project-slice';
  /** Input feature of each output feature (decoder's first input). Default [0..outSize-1] if outSize <= inputSize, else null. */
  targetFeatures?: number[] | null;
  /** Initialisation seed. Default 0. */
  seed?: number;
}

/** Resolved config. */
export type SequenceForecasterConfig = Required<Omit<SequenceForecasterOptions, 'targetFeatures'>> & { targetFeatures: number[] | null };

/** Resolves defaults and validates (errors name the field). */
export function resolveSequenceOptions(o: SequenceForecasterOptions, model = MODEL): SequenceForecasterConfig {
  const inputSize = positiveInt(o.inputSize, 'inputSize', model);
  const outSize = positiveInt(o.outSize, 'outSize', model);
  const tf0 = o.targetFeatures === undefined ? (outSize <= inputSize ? [...Array(outSize).keys()] : null) : o.targetFeatures;
  if (tf0 !== null && (!Array.isArray(tf0) || tf0.length !== outSize || tf0.some((c) => !Number.isInteger(c) || c < 0 || c >= inputSize))) {
    throw new InvalidOptionError(`targetFeatures must list ${outSize} feature indices in [0, ${inputSize}), got ${JSON.stringify(tf0)}`, { model, field: 'targetFeatures' });
  }
  const dropout = numberIn(o.dropout ?? 0, 0, 0.999, 'dropout', model);
  const projSize = o.projSize ?? 0;
  const hiddenDim = positiveInt(o.hiddenDim, 'hiddenDim', model);
  if (projSize !== 0) {
    positiveInt(projSize, 'projSize', model);
    if ((o.cell ?? 'lstm') !== 'lstm' || projSize >= hiddenDim) {
      throw new InvalidOptionError(`projSize needs an 'lstm' cell and must be < hiddenDim (${hiddenDim}), got ${projSize}`, { model, field: 'projSize' });
    }
  }
  return {
    cell: oneOf(o.cell ?? 'lstm', ['rnn', 'lstm', 'gru'] as const, 'cell', model),
    inputLen: positiveInt(o.inputLen, 'inputLen', model),
    inputSize,
    outLen: positiveInt(o.outLen, 'outLen', model),
    outSize,
    hiddenDim,
    projSize,
    nLayers: positiveInt(o.nLayers ?? 1, 'nLayers', model),
    nonlinearity: oneOf(o.nonlinearity ?? 'tanh', ['tanh', 'relu'] as const, 'nonlinearity', model),
    bias: bool(o.bias ?? true, 'bias', model),
    dropout,
    bidirectional: bool(o.bidirectional ?? false, 'bidirectional', model),
    architecture: oneOf(o.architecture ?? 'stacked', ['stacked', 'encoder-decoder', 'attention'] as const, 'architecture', model),
    headOrder: oneOf(o.headOrder ?? 'slice-project', ['slice-project', 'project-slice'] as const, 'headOrder', model),
    targetFeatures: tf0,
    seed: o.seed ?? 0,
  };
}

/** RNN/LSTM/GRU forecaster over [B, T, F]. Weights: `encoder.*`, `decoder.*`, `attention.*`, `fc.*`. */
export class SequenceForecaster {
  readonly config: SequenceForecasterConfig;
  readonly encoder: RecurrentStack;
  readonly decoder: RecurrentStack | null;
  readonly variables = new VariableSet();
  private readonly fcW: tf.Variable;
  private readonly fcB: tf.Variable;
  private readonly attnW: tf.Variable | null;

  constructor(options: SequenceForecasterOptions) {
    registerModelGradients();
    const c = (this.config = resolveSequenceOptions(options));
    const base = { cell: c.cell, hiddenDim: c.hiddenDim, nLayers: c.nLayers, nonlinearity: c.nonlinearity, bias: c.bias, projSize: c.projSize };
    this.encoder = new RecurrentStack({ ...base, inputSize: c.inputSize, bidirectional: c.bidirectional, seed: c.seed });
    this.variables.merge('encoder', this.encoder.variables);
    const hOut = this.encoder.outDim;
    const encOut = hOut * (c.bidirectional ? 2 : 1);
    let headIn = encOut;
    this.decoder = null;
    this.attnW = null;
    if (c.architecture !== 'stacked') {
      this.decoder = new RecurrentStack({ ...base, inputSize: c.outSize, seed: c.seed + 17 });
      this.variables.merge('decoder', this.decoder.variables);
      headIn = hOut;
      if (c.architecture === 'attention') {
        this.attnW = this.variables.add('attention.weight', uniformInit([encOut, hOut], encOut, c.seed + 23));
        headIn = hOut + encOut;
      }
    }
    this.fcW = this.variables.add('fc.weight', uniformInit([c.outSize, headIn], headIn, c.seed + 29));
    this.fcB = this.variables.add('fc.bias', uniformInit([c.outSize], headIn, c.seed + 31));
  }

  static fromConfig(config: SequenceForecasterConfig): SequenceForecaster { return new SequenceForecaster(config); }
  getConfig(): SequenceForecasterConfig { return JSON.parse(JSON.stringify(this.config)) as SequenceForecasterConfig; }
  getWeights(): NamedWeights { return readWeights(this.variables.vars); }
  setWeights(w: NamedWeights): void { assignWeights(this.variables.vars, w, MODEL); }
  trainableVariables(): tf.Variable[] { return [...this.variables.vars.values()]; }
  dispose(): void { this.variables.dispose(); }

  /** Linear head over the last axis: [..., F] → [..., outSize]. */
  private fc(t: tf.Tensor): tf.Tensor {
    const shape = t.shape;
    const rows = tf.reshape(t, [-1, shape[shape.length - 1]!]);
    return tf.reshape(tf.add(tf.matMul(rows, this.fcW, false, true), this.fcB), [...shape.slice(0, -1), this.config.outSize]);
  }

  /**
   * x [B, inputLen, inputSize] → [B, outLen, outSize]. `initialState`: encoder states
   * [layer][direction] ([h] or [h, c]: h [B, projSize || hiddenDim], c [B, hiddenDim]); zeros when omitted.
   */
  forward(x: tf.Tensor3D, initialState?: RecurrentState[][], options: ForwardOptions = {}): tf.Tensor3D {
    const c = this.config;
    if (x.rank !== 3 || x.shape[2] !== c.inputSize) {
      throw new InvalidInputError(`input has shape [${x.shape.join(', ')}]`, { model: MODEL, field: 'x', expected: `[B, T, ${c.inputSize}]` });
    }
    if (c.architecture === 'stacked' && x.shape[1] < c.outLen) {
      throw new InvalidInputError(`input has ${x.shape[1]} steps but outLen is ${c.outLen}`, { model: MODEL, field: 'x', expected: `at least ${c.outLen} steps` });
    }
    return tf.tidy(() => {
      const rng = options.rng ?? Math.random;
      const dropout = options.training && c.dropout > 0
        ? (t: tf.Tensor3D) => {
          const keep = tf.tensor(Float32Array.from({ length: t.size }, () => (rng() >= c.dropout ? 1 / (1 - c.dropout) : 0)), t.shape);
          return tf.mul(t, keep) as tf.Tensor3D;
        }
        : undefined;
      const xs = tf.where(tf.isNaN(x), tf.zerosLike(x), x) as tf.Tensor3D;
      const enc = this.encoder.apply(xs, initialState, dropout);
      if (c.architecture === 'stacked') {
        const [B, T, H] = enc.outputs.shape;
        if (c.headOrder === 'project-slice') return tf.slice(this.fc(enc.outputs), [0, T - c.outLen, 0], [B, c.outLen, c.outSize]) as tf.Tensor3D;
        return this.fc(tf.slice(enc.outputs, [0, T - c.outLen, 0], [B, c.outLen, H])) as tf.Tensor3D;
      }
      return this.decode(xs, enc.outputs, enc.states);
    });
  }

  private decode(x: tf.Tensor3D, encOut: tf.Tensor3D, encStates: RecurrentState[][]): tf.Tensor3D {
    const c = this.config;
    const [B, T] = x.shape;
    // Unidirectional decoder: sum the encoder's directions per layer.
    let states: RecurrentState[][] = encStates.map((dirs) => [dirs[0]!.map((s, k) => (dirs.length > 1 ? tf.add(s, dirs[1]![k]!) : s)) as RecurrentState]);
    const last = tf.reshape(tf.slice(x, [0, T - 1, 0], [B, 1, c.inputSize]), [B, c.inputSize]);
    let prev: tf.Tensor2D = c.targetFeatures
      ? (tf.concat(c.targetFeatures.map((f) => tf.slice(last, [0, f], [B, 1])), 1) as tf.Tensor2D)
      : tf.zeros([B, c.outSize]);
    const keys = this.attnW ? tf.matMul(tf.reshape(encOut, [B * T, -1]), this.attnW) : null; // [B*T, h]
    const ys: tf.Tensor2D[] = [];
    for (let t = 0; t < c.outLen; t++) {
      const r = this.decoder!.step(prev, states);
      states = r.states;
      let feat: tf.Tensor2D = r.output;
      if (keys) {
        const scores = tf.squeeze(tf.matMul(tf.reshape(keys, [B, T, -1]), tf.expandDims(r.output, 2)), [2]); // [B, T]
        const weights = tf.softmax(scores);
        const context = tf.squeeze(tf.matMul(tf.expandDims(weights, 1), encOut), [1]) as tf.Tensor2D; // [B, encOut]
        feat = tf.concat([r.output, context], 1) as tf.Tensor2D;
      }
      prev = this.fc(feat) as tf.Tensor2D;
      ys.push(prev);
    }
    return tf.stack(ys, 1) as tf.Tensor3D;
  }
}

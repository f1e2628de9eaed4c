/**
 * ConvLSTM — the seed's stacked `ConvLSTM(input_dim, hidden_dim, kernel_size, num_layers,
 * batch_first, bias, return_all_layers)`, with caller-supplied initial states (the seed raises
 * NotImplementedError there).
 *
 * ```ts
 * const net = new ConvLSTM({ inputDim: 2, hiddenDim: 14, kernelSize: [3, 3], numLayers: 2, batchFirst: true });
 * const { layerOutputs, lastStates } = net.apply(x);   // x: [4, 5, 2, 12, 12]
 * // layerOutputs: [[4, 5, 14, 12, 12]]; lastStates: [[h, c]] each [4, 14, 12, 12]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { bool, oddKernel, perLayer, positiveInt } from '../options.js';
import { assignWeights, readWeights, type NamedWeights, VariableSet } from '../weights.js';
import { ConvLSTMCell } from './cell.js';

/** Options of the stacked ConvLSTM (the seed's constructor arguments). */
export interface ConvLSTMOptions {
  /** Channels of the input. Required. */
  inputDim: number;
  /** Hidden channels: one value for every layer, or one per layer. Required. */
  hiddenDim: number | number[];
  /** [kh, kw] for every layer, or a list of [kh, kw] per layer; odd sizes only. Default [3, 3]. */
  kernelSize?: number | [number, number] | [number, number][];
  /** Number of stacked layers. Default 1. */
  numLayers?: number;
  /** Input is [B, T, C, H, W] when true, [T, B, C, H, W] when false (the seed's default). Default false. */
  batchFirst?: boolean;
  /** Bias in every conv. Default true. */
  bias?: boolean;
  /** Return every layer's output and state, not only the last layer's. Default false. */
  returnAllLayers?: boolean;
  /** Seed of the weight initialisation. Default 0. */
  seed?: number;
}

/** Fully resolved config (what getConfig returns and fromConfig accepts). */
export interface ConvLSTMConfig {
  inputDim: number;
  hiddenDim: number[];
  kernelSize: [number, number][];
  numLayers: number;
  batchFirst: boolean;
  bias: boolean;
  returnAllLayers: boolean;
  seed: number;
}

/** Per-layer state [h, c], each [B, hidden, H, W]. */
export type LayerState = [tf.Tensor4D, tf.Tensor4D];

/** What the stack returns: the seed's (layer_output_list, last_state_list). */
export interface ConvLSTMOutput {
  /** Per layer [B, T, hidden, H, W] (or [T, B, ...] when not batch-first); all layers or the last only. */
  layerOutputs: tf.Tensor5D[];
  /** Per layer [h, c]; all layers or the last only. */
  lastStates: LayerState[];
}

const MODEL = 'ConvLSTM';
const isKernelList = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every(Array.isArray);

/** Resolves defaults and validates the options; errors name the field. */
export function resolveConvLSTMOptions(o: ConvLSTMOptions): ConvLSTMConfig {
  const numLayers = positiveInt(o.numLayers ?? 1, 'numLayers', MODEL);
  const hiddenDim = perLayer(o.hiddenDim, numLayers, 'hiddenDim', MODEL).map((h, i) => positiveInt(h, `hiddenDim[${i}]`, MODEL));
  const kernels = perLayer<unknown>(o.kernelSize ?? [3, 3], numLayers, 'kernelSize', MODEL, isKernelList);
  return {
    inputDim: positiveInt(o.inputDim, 'inputDim', MODEL),
    hiddenDim,
    kernelSize: kernels.map((k, i) => oddKernel(k, `kernelSize[${i}]`, MODEL)),
    numLayers,
    batchFirst: bool(o.batchFirst ?? false, 'batchFirst', MODEL),
    bias: bool(o.bias ?? true, 'bias', MODEL),
    returnAllLayers: bool(o.returnAllLayers ?? false, 'returnAllLayers', MODEL),
    seed: o.seed ?? 0,
  };
}

/** The seed's stacked ConvLSTM. Weights: `cells.{i}.kernel` [kh,kw,in+hid,4hid] and `cells.{i}.bias`. */
export class ConvLSTM {
  readonly config: ConvLSTMConfig;
  readonly cells: ConvLSTMCell[];
  readonly variables = new VariableSet();

  constructor(options: ConvLSTMOptions) {
    this.config = resolveConvLSTMOptions(options);
    const c = this.config;
    this.cells = c.hiddenDim.map((hid, i) => new ConvLSTMCell({
      inputDim: i === 0 ? c.inputDim : c.hiddenDim[i - 1]!,
      hiddenDim: hid,
      kernelSize: c.kernelSize[i],
      bias: c.bias,
      seed: c.seed * 1009 + 2 * i,
    }));
    this.cells.forEach((cell, i) => this.variables.merge(`cells.${i}`, cell.variables));
  }

  /** Rebuilds from a config returned by getConfig. */
  static fromConfig(config: ConvLSTMConfig): ConvLSTM {
    return new ConvLSTM(config);
  }

  /** Rebuilds from a config and named weights (validated: missing/extra/misshaped names throw). */
  static fromConfigAndWeights(config: ConvLSTMConfig, weights: NamedWeights): ConvLSTM {
    const net = new ConvLSTM(config);
    try {
      net.setWeights(weights);
    } catch (e) {
      net.dispose();
      throw e;
    }
    return net;
  }

  /** The resolved config (plain JSON). */
  getConfig(): ConvLSTMConfig {
    return JSON.parse(JSON.stringify(this.config)) as ConvLSTMConfig;
  }

  /** Weights as named arrays. */
  getWeights(): NamedWeights {
    return readWeights(this.variables.vars);
  }

  /** Replaces every weight (names and shapes checked first). */
  setWeights(weights: NamedWeights): void {
    assignWeights(this.variables.vars, weights, MODEL);
  }

  /** Trainable variables in a stable order. */
  trainableVariables(): tf.Variable[] {
    return [...this.variables.vars.values()];
  }

  /**
   * Runs the stack. `x`: [B, T, C, H, W] if batchFirst else [T, B, C, H, W]. `initialStates`: one
   * [h, c] per layer (zeros when omitted). Returned tensors are new; the caller disposes them.
   */
  apply(x: tf.Tensor, initialStates?: LayerState[]): ConvLSTMOutput {
    const c = this.config;
    if (x.rank !== 5) {
      throw new InvalidInputError(`input has rank ${x.rank} (shape [${x.shape.join(', ')}])`, { model: MODEL, field: 'x', expected: c.batchFirst ? 'rank 5 [B, T, C, H, W]' : 'rank 5 [T, B, C, H, W]' });
    }
    if (x.shape[2] !== c.inputDim) {
      throw new InvalidInputError(`input has ${x.shape[2]} channels (shape [${x.shape.join(', ')}])`, { model: MODEL, field: 'x', expected: `${c.inputDim} channels on axis 2` });
    }
    if (x.dtype !== 'float32') {
      throw new InvalidInputError(`input has dtype ${x.dtype}`, { model: MODEL, field: 'x', expected: 'float32' });
    }
    const [B, , , H, W] = c.batchFirst ? x.shape : [x.shape[1], x.shape[0], ...x.shape.slice(2)];
    this.checkStates(initialStates, B!, H!, W!);
    const out = tf.tidy(() => {
      let cur = (c.batchFirst ? x : tf.transpose(x, [1, 0, 2, 3, 4])) as tf.Tensor5D;
      const outputs: tf.Tensor5D[] = [];
      const states: tf.Tensor4D[] = [];
      this.cells.forEach((cell, i) => {
        const [h0, c0] = initialStates?.[i] ?? cell.initHidden(B!, [H!, W!]);
        const r = cell.runSequence(cur, h0, c0);
        cur = r.outputs;
        outputs.push(c.batchFirst ? r.outputs : (tf.transpose(r.outputs, [1, 0, 2, 3, 4]) as tf.Tensor5D));
        states.push(r.h, r.c);
      });
      const keep = c.returnAllLayers ? this.cells.length : 1;
      return { outputs: outputs.slice(-keep), states: states.slice(-2 * keep) };
    });
    const lastStates: LayerState[] = [];
    for (let i = 0; i < out.states.length; i += 2) lastStates.push([out.states[i]!, out.states[i + 1]!]);
    return { layerOutputs: out.outputs, lastStates };
  }

  private checkStates(states: LayerState[] | undefined, B: number, H: number, W: number): void {
    if (!states) return;
    if (states.length !== this.cells.length) {
      throw new InvalidOptionError(`initialStates has ${states.length} entries but there are ${this.cells.length} layers`, { model: MODEL, field: 'initialStates' });
    }
    states.forEach((pair, i) => {
      const want = [B, this.config.hiddenDim[i]!, H, W];
      for (const [j, t] of pair.entries()) {
        if (t.rank !== 4 || t.shape.some((s, k) => s !== want[k])) {
          throw new InvalidInputError(`initial ${j === 0 ? 'h' : 'c'} of layer ${i} has shape [${t.shape.join(', ')}]`, { model: MODEL, field: `initialStates[${i}]`, expected: `[${want.join(', ')}]` });
        }
      }
    });
  }

  /** Disposes every variable. */
  dispose(): void {
    this.variables.dispose();
  }
}

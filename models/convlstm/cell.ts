/**
 * ConvLSTMCell — the seed's `ConvLSTMCell(input_dim, hidden_dim, kernel_size, bias)`: one conv over
 * the channel concatenation [x_t, h_{t-1}] to 4*hidden channels in gate order i, f, o, g.
 *
 * ```ts
 * const cell = new ConvLSTMCell({ inputDim: 2, hiddenDim: 14, kernelSize: [3, 3] });
 * const [h, c] = cell.call(xt, cell.initHidden(4, [12, 12]));   // xt: [4, 2, 12, 12]
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../errors.js';
import { bool, oddKernel, positiveInt } from '../options.js';
import { uniformInit, VariableSet } from '../weights.js';
import { ensureCompositeConvLstmImpl } from './composite-impl.js';
import { selectConvLstmImpl } from './layer-impl.js';

/** Options of one ConvLSTM cell. */
export interface ConvLSTMCellOptions {
  /** Channels of the input x_t. Required. */
  inputDim: number;
  /** Channels of h and c. Required. */
  hiddenDim: number;
  /** [kh, kw], odd ("same" padding kh//2, kw//2). Default [3, 3]. */
  kernelSize?: number | [number, number];
  /** Add a bias to the conv. Default true. */
  bias?: boolean;
  /** Seed of the weight initialisation (PyTorch's default uniform init). Default 0. */
  seed?: number;
}

/** A cell's fully resolved config. */
export interface ConvLSTMCellConfig {
  inputDim: number;
  hiddenDim: number;
  kernelSize: [number, number];
  bias: boolean;
  seed: number;
}

/** Resolves defaults and validates (errors name the field). */
export function resolveCellOptions(o: ConvLSTMCellOptions, model = 'ConvLSTMCell'): ConvLSTMCellConfig {
  return {
    inputDim: positiveInt(o.inputDim, 'inputDim', model),
    hiddenDim: positiveInt(o.hiddenDim, 'hiddenDim', model),
    kernelSize: oddKernel(o.kernelSize ?? [3, 3], 'kernelSize', model),
    bias: bool(o.bias ?? true, 'bias', model),
    seed: o.seed ?? 0,
  };
}

/** The seed's ConvLSTM cell. Variables: `kernel` [kh, kw, in+hid, 4*hid] (HWIO) and `bias` [4*hid]. */
export class ConvLSTMCell {
  readonly config: ConvLSTMCellConfig;
  readonly variables = new VariableSet();
  readonly kernel: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1> | null;

  constructor(options: ConvLSTMCellOptions) {
    this.config = resolveCellOptions(options);
    const { inputDim, hiddenDim, kernelSize: [kh, kw], seed } = this.config;
    const fanIn = (inputDim + hiddenDim) * kh * kw;
    this.kernel = this.variables.add('kernel', uniformInit([kh, kw, inputDim + hiddenDim, 4 * hiddenDim], fanIn, seed)) as tf.Variable<tf.Rank.R4>;
    this.bias = this.config.bias ? (this.variables.add('bias', uniformInit([4 * hiddenDim], fanIn, seed + 1)) as tf.Variable<tf.Rank.R1>) : null;
    ensureCompositeConvLstmImpl();
  }

  /** Zero state [h, c], each [B, hidden, H, W] (the seed's `init_hidden`). */
  initHidden(batch: number, [height, width]: [number, number]): [tf.Tensor4D, tf.Tensor4D] {
    const shape: [number, number, number, number] = [batch, this.config.hiddenDim, height, width];
    // tf.fill runs the backend's Fill kernel (the wasm backend fills its heap in place); tf.zeros
    // would build a zeroed JS array and copy it into the heap: at (8,10,4,64,64,64) four 8 MB
    // arrays per step, which also drive the garbage collector.
    return [tf.fill(shape, 0, 'float32'), tf.fill(shape, 0, 'float32')];
  }

  /** One step: x_t [B, inputDim, H, W] and state [h, c] → next [h, c]. */
  call(x: tf.Tensor4D, [h, c]: [tf.Tensor4D, tf.Tensor4D]): [tf.Tensor4D, tf.Tensor4D] {
    if (x.rank !== 4 || x.shape[1] !== this.config.inputDim) {
      throw new InvalidInputError(`input has shape [${x.shape.join(', ')}]`, { model: 'ConvLSTMCell', field: 'x', expected: `[B, ${this.config.inputDim}, H, W]` });
    }
    return tf.tidy(() => {
      const r = this.runSequence(tf.expandDims(x, 1) as tf.Tensor5D, h, c);
      return [r.h, r.c] as [tf.Tensor4D, tf.Tensor4D];
    });
  }

  /** All T steps of x [B, T, inputDim, H, W] through the selected layer implementation. */
  runSequence(x: tf.Tensor5D, h0: tf.Tensor4D, c0: tf.Tensor4D) {
    const impl = selectConvLstmImpl(tf.getBackend());
    return impl.run(x, this.kernel, this.bias, h0, c0);
  }

  /** Disposes the variables. */
  dispose(): void {
    this.variables.dispose();
  }
}

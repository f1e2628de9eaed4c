/**
 * The seed's recurrent layers for point / per-cell series — RNN (tanh | relu), LSTM and GRU — with
 * PyTorch's weight layout and gate orders (LSTM i,f,g,o; GRU r,z,n), stacked, optionally
 * bidirectional (two independent directions whose outputs are concatenated), with dropout between
 * layers in training. Input [B, T, F] (batch first, as the seed uses them).
 *
 * ```ts
 * const rnn = new RecurrentStack({ cell: 'lstm', inputSize: 7, hiddenDim: 28, nLayers: 1 });
 * const { outputs, states } = rnn.apply(x);   // outputs [5, 10, 28]; states per layer & direction
 * ```
 */
import * as tf from '@tensorflow/tfjs-core';
import { uniformInit, VariableSet } from '../weights.js';

/** Which recurrent cell. */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** State of one layer and direction: [h] for RNN/GRU, [h, c] for LSTM ([B, outDim] and [B, hidden]). */
export type RecurrentState = tf.Tensor2D[];

/** Options of a stack (all required here; SequenceForecaster resolves defaults). */
export interface RecurrentStackOptions {
  cell: CellType;
  inputSize: number;
  hiddenDim: number;
  nLayers: number;
  nonlinearity?: 'tanh' | 'relu';
  bias?: boolean;
  bidirectional?: boolean;
  dropout?: number;
  /** LSTM only: project h to this size (PyTorch's proj_size); 0 = no projection. */
  projSize?: number;
  seed?: number;
}

const GATES: Record<CellType, number> = { rnn: 1, lstm: 4, gru: 3 };

/** One layer, one direction. Variables weight_ih [G*h, in], weight_hh [G*h, h], bias_ih, bias_hh. */
class RecurrentLayer {
  readonly variables = new VariableSet();
  private readonly wih: tf.Variable;
  private readonly whh: tf.Variable;
  private readonly bih: tf.Variable | null;
  private readonly bhh: tf.Variable | null;
  private readonly whr: tf.Variable | null;
  /** Size of h (the output): projSize for a projected LSTM, else hidden. */
  readonly outDim: number;

  constructor(readonly cell: CellType, inputSize: number, readonly hidden: number, private readonly act: 'tanh' | 'relu', bias: boolean, seed: number, projSize = 0) {
    const G = GATES[cell] * hidden;
    this.outDim = projSize > 0 ? projSize : hidden;
    this.wih = this.variables.add('weight_ih', uniformInit([G, inputSize], hidden, seed));
    this.whh = this.variables.add('weight_hh', uniformInit([G, this.outDim], hidden, seed + 1));
    this.bih = bias ? this.variables.add('bias_ih', uniformInit([G], hidden, seed + 2)) : null;
    this.bhh = bias ? this.variables.add('bias_hh', uniformInit([G], hidden, seed + 3)) : null;
    this.whr = projSize > 0 ? this.variables.add('weight_hr', uniformInit([projSize, hidden], hidden, seed + 5)) : null;
  }

  zeroState(batch: number): RecurrentState {
    const h = tf.zeros([batch, this.outDim]) as tf.Tensor2D;
    return this.cell === 'lstm' ? [h, tf.zeros([batch, this.hidden]) as tf.Tensor2D] : [h];
  }

  /** One step from precomputed input projection gi [B, G*h]. */
  step(gi: tf.Tensor2D, state: RecurrentState): RecurrentState {
    const h = state[0]!;
    let gh: tf.Tensor2D = tf.matMul(h, this.whh, false, true);
    if (this.bhh) gh = tf.add(gh, this.bhh);
    const n = this.hidden;
    if (this.cell === 'rnn') {
      const z = tf.add(gi, gh) as tf.Tensor2D;
      return [this.act === 'relu' ? tf.relu(z) : tf.tanh(z)];
    }
    if (this.cell === 'lstm') {
      const [i, f, g, o] = tf.split(tf.add(gi, gh), 4, 1) as tf.Tensor2D[];
      const c = tf.add(tf.mul(tf.sigmoid(f!), state[1]!), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
      const hFull = tf.mul(tf.sigmoid(o!), tf.tanh(c)) as tf.Tensor2D;
      return [this.whr ? tf.matMul(hFull, this.whr, false, true) : hFull, c];
    }
    const [ir, iz, inn] = tf.split(gi, [n, n, n], 1) as tf.Tensor2D[];
    const [hr, hz, hn] = tf.split(gh, [n, n, n], 1) as tf.Tensor2D[];
    const r = tf.sigmoid(tf.add(ir!, hr!));
    const z = tf.sigmoid(tf.add(iz!, hz!));
    const cand = tf.tanh(tf.add(inn!, tf.mul(r, hn!)));
    return [tf.add(tf.mul(tf.sub(1, z), cand), tf.mul(z, h))];
  }

  /** Input projections for all steps: [B, T, F] → T tensors [B, G*h]. */
  project(x: tf.Tensor3D): tf.Tensor2D[] {
    const [B, T, F] = x.shape;
    let gi = tf.matMul(tf.reshape(x, [B * T, F]), this.wih, false, true);
    if (this.bih) gi = tf.add(gi, this.bih);
    return tf.unstack(tf.reshape(gi, [B, T, -1]), 1) as tf.Tensor2D[];
  }

  /** Runs over [B, T, F] (reversed in time when `reverse`); outputs [B, T, h] in input time order. */
  run(x: tf.Tensor3D, state: RecurrentState, reverse: boolean): { outputs: tf.Tensor3D; state: RecurrentState } {
    const gis = this.project(x);
    const hs: tf.Tensor2D[] = new Array(gis.length);
    const order = [...gis.keys()];
    if (reverse) order.reverse();
    for (const t of order) {
      state = this.step(gis[t]!, state);
      hs[t] = state[0]!;
    }
    return { outputs: tf.stack(hs, 1) as tf.Tensor3D, state };
  }
}

/** Stacked (optionally bidirectional) recurrent layers with dropout between layers. */
export class RecurrentStack {
  readonly variables = new VariableSet();
  readonly layers: RecurrentLayer[][] = [];
  readonly directions: number;
  /** Features per direction of every layer's output (projSize for a projected LSTM, else hiddenDim). */
  readonly outDim: number;

  constructor(readonly options: RecurrentStackOptions) {
    const o = options;
    this.directions = o.bidirectional ? 2 : 1;
    this.outDim = o.projSize && o.projSize > 0 ? o.projSize : o.hiddenDim;
    for (let l = 0; l < o.nLayers; l++) {
      const inSize = l === 0 ? o.inputSize : this.outDim * this.directions;
      const dirs: RecurrentLayer[] = [];
      for (let d = 0; d < this.directions; d++) {
        const layer = new RecurrentLayer(o.cell, inSize, o.hiddenDim, o.nonlinearity ?? 'tanh', o.bias ?? true, (o.seed ?? 0) * 1009 + 10 * l + 4 * d, o.projSize ?? 0);
        this.variables.merge(`layers.${l}${d ? '_reverse' : ''}`, layer.variables);
        dirs.push(layer);
      }
      this.layers.push(dirs);
    }
  }

  /** Zero states: [layer][direction]. */
  zeroStates(batch: number): RecurrentState[][] {
    return this.layers.map((dirs) => dirs.map((l) => l.zeroState(batch)));
  }

  /**
   * Runs the stack on [B, T, F]. `initial`: [layer][direction] states (zeros when omitted).
   * `dropoutMask(shape)` supplies the between-layer dropout (training only).
   */
  apply(x: tf.Tensor3D, initial?: RecurrentState[][], dropout?: (t: tf.Tensor3D) => tf.Tensor3D): { outputs: tf.Tensor3D; states: RecurrentState[][] } {
    let cur = x;
    const states: RecurrentState[][] = [];
    this.layers.forEach((dirs, l) => {
      if (l > 0 && dropout) cur = dropout(cur);
      const outs: tf.Tensor3D[] = [];
      const st: RecurrentState[] = [];
      dirs.forEach((layer, d) => {
        const r = layer.run(cur, initial?.[l]?.[d] ?? layer.zeroState(x.shape[0]), d === 1);
        outs.push(r.outputs);
        st.push(r.state);
      });
      cur = outs.length === 1 ? outs[0]! : (tf.concat(outs, 2) as tf.Tensor3D);
      states.push(st);
    });
    return { outputs: cur, states };
  }

  /** One time step for every layer (decoders): input [B, F] and states → top output [B, dirs*h]. */
  step(x: tf.Tensor2D, states: RecurrentState[][]): { output: tf.Tensor2D; states: RecurrentState[][] } {
    const r = this.apply(tf.expandDims(x, 1) as tf.Tensor3D, states);
    return { output: tf.squeeze(r.outputs, [1]) as tf.Tensor2D, states: r.states };
  }
}

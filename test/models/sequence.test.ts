import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createModel, GridSequenceModel, SequenceForecaster, type CellType } from '../../models/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => tf.disposeVariables());

const seed = { inputLen: 10, inputSize: 7, outLen: 3, outSize: 1, hiddenDim: 28, nLayers: 1 };
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('SequenceForecaster — the seed examples', () => {
  it.each(['rnn', 'lstm', 'gru'] as CellType[])('%s(10, 7, 3, 1, 28, 1) on (5, 10, 7) gives (5, 3, 1)', (cell) => {
    const before = tf.memory().numTensors;
    const net = new SequenceForecaster({ ...seed, cell });
    const x = tf.randomNormal([5, 10, 7]) as tf.Tensor3D;
    const y = net.forward(x);
    expect(y.shape).toEqual([5, 3, 1]);
    tf.dispose([x, y]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('"project then slice" gives the same numbers as "slice then project"', () => {
    for (const cell of ['rnn', 'lstm', 'gru'] as CellType[]) {
      const a = new SequenceForecaster({ ...seed, cell, nLayers: 2, seed: 3 });
      const b = new SequenceForecaster({ ...seed, cell, nLayers: 2, seed: 3, headOrder: 'project-slice' });
      const x = tf.randomNormal([4, 10, 7]) as tf.Tensor3D;
      expect(maxDiff(a.forward(x), b.forward(x))).toBeLessThan(1e-6);
    }
  });

  it('initial state (h0 for RNN, (h0, c0) for LSTM) changes the output; relu RNN differs from tanh', () => {
    const net = new SequenceForecaster({ ...seed, cell: 'lstm' });
    const x = tf.randomNormal([5, 10, 7]) as tf.Tensor3D;
    const h0 = [[[tf.randomNormal([5, 28]) as tf.Tensor2D, tf.randomNormal([5, 28]) as tf.Tensor2D]]];
    expect(maxDiff(net.forward(x, h0), net.forward(x))).toBeGreaterThan(1e-6);
    const tanh = new SequenceForecaster({ ...seed, cell: 'rnn', seed: 4 });
    const relu = new SequenceForecaster({ ...seed, cell: 'rnn', seed: 4, nonlinearity: 'relu' });
    expect(maxDiff(tanh.forward(x), relu.forward(x))).toBeGreaterThan(1e-6);
  });

  it('bidirectional: two directions per layer, the reverse one reads the future', () => {
    const net = new SequenceForecaster({ ...seed, cell: 'gru', nLayers: 2, bidirectional: true });
    expect(Object.keys(net.getWeights()).filter((k) => k.includes('_reverse')).length).toBe(8);
    const x = tf.randomNormal([2, 10, 7]) as tf.Tensor3D;
    // Changing only the last input step changes the forecast of... every kept step, via the reverse direction.
    const x2 = tf.concat([tf.slice(x, [0, 0, 0], [2, 9, 7]), tf.ones([2, 1, 7])], 1) as tf.Tensor3D;
    const d = tf.tidy(() => tf.max(tf.abs(tf.sub(net.forward(x), net.forward(x2))), [0, 2]).dataSync());
    expect(Array.from(d).every((v) => v > 1e-7)).toBe(true);
  });

  it('LSTM proj_size: h is projected (PyTorch layout), in every architecture', () => {
    for (const architecture of ['stacked', 'encoder-decoder', 'attention'] as const) {
      const net = new SequenceForecaster({ ...seed, nLayers: 2, projSize: 5, bidirectional: true, architecture });
      const w = net.getWeights();
      expect(w['encoder.layers.0.weight_hr']!.shape).toEqual([5, 28]);
      expect(w['encoder.layers.0.weight_hh']!.shape).toEqual([112, 5]);
      expect(w['encoder.layers.1.weight_ih']!.shape).toEqual([112, 10]);
      expect(net.forward(tf.randomNormal([2, 10, 7]) as tf.Tensor3D).shape).toEqual([2, 3, 1]);
    }
    expect(() => new SequenceForecaster({ ...seed, cell: 'gru', projSize: 5 })).toThrow(/projSize needs an 'lstm' cell/);
    expect(() => new SequenceForecaster({ ...seed, projSize: 28 })).toThrow(/must be < hiddenDim/);
  });

  it('dropout acts between layers in training only', () => {
    const net = new SequenceForecaster({ ...seed, nLayers: 2, dropout: 0.5 });
    const x = tf.randomNormal([3, 10, 7]) as tf.Tensor3D;
    expect(maxDiff(net.forward(x), net.forward(x))).toBe(0);
    let s = 1;
    const rng = () => ((s = (s * 16807) % 2147483647) / 2147483647);
    expect(maxDiff(net.forward(x, undefined, { training: true, rng }), net.forward(x))).toBeGreaterThan(1e-6);
  });

  it.each(['encoder-decoder', 'attention'] as const)('%s: shapes, and every weight gets a gradient', (architecture) => {
    const net = new SequenceForecaster({ ...seed, outLen: 12, architecture, nLayers: 2, bidirectional: architecture === 'attention' });
    const x = tf.randomNormal([3, 10, 7]) as tf.Tensor3D;
    expect(net.forward(x).shape).toEqual([3, 12, 1]);
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(net.forward(x))) as tf.Scalar, net.trainableVariables());
    expect(Object.keys(grads).length).toBe(net.trainableVariables().length);
    for (const g of Object.values(grads)) expect(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose(grads);
  });
});

describe('GridSequenceModel — per-cell baseline', () => {
  it('equals the sequence model run on each cell separately', () => {
    const m = createModel({ kind: 'sequence-grid', cell: 'gru', inputLen: 4, inputSize: 2, outLen: 2, outSize: 1, hiddenDim: 5 }) as GridSequenceModel;
    const x = tf.randomNormal([2, 4, 2, 3, 5]) as tf.Tensor5D;
    const y = m.predict(x);
    expect(y.shape).toEqual([2, 2, 1, 3, 5]);
    const cell = tf.reshape(tf.transpose(tf.slice(x, [0, 0, 0, 1, 3], [2, 4, 2, 1, 1]), [0, 3, 4, 1, 2]), [2, 4, 2]) as tf.Tensor3D;
    const yc = tf.reshape(tf.slice(y, [0, 0, 0, 1, 3], [2, 2, 1, 1, 1]), [2, 2, 1]);
    expect(maxDiff(m.net.forward(cell), yc)).toBeLessThan(1e-6);
    const copy = GridSequenceModel.fromConfigAndWeights(JSON.parse(JSON.stringify(m.getConfig())), m.getWeights());
    expect(maxDiff(copy.predict(x), y)).toBe(0);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTM, ConvLSTMCell, isModelError } from '../../models/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ConvLSTM — the seed worked example', () => {
  it('ConvLSTM(2, 14, (3,3), 2, True, True, False) on (4,5,2,12,12): one output, one state', () => {
    const before = tf.memory().numTensors;
    const net = new ConvLSTM({ inputDim: 2, hiddenDim: 14, kernelSize: [3, 3], numLayers: 2, batchFirst: true, bias: true, returnAllLayers: false });
    const x = tf.randomNormal([4, 5, 2, 12, 12]) as tf.Tensor5D;
    const { layerOutputs, lastStates } = net.apply(x);
    expect(layerOutputs.map((t) => t.shape)).toEqual([[4, 5, 14, 12, 12]]);
    expect(lastStates.map(([h, c]) => [h.shape, c.shape])).toEqual([[[4, 14, 12, 12], [4, 14, 12, 12]]]);
    // h_T equals the last step of the output
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.squeeze(tf.slice(layerOutputs[0]!, [0, 4], [-1, 1]), [1]), lastStates[0]![0]))));
    expect(diff.dataSync()[0]).toBe(0);
    tf.dispose([x, diff, ...layerOutputs, ...lastStates.flat()]);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with returnAllLayers=true: two outputs and two states', () => {
    const net = new ConvLSTM({ inputDim: 2, hiddenDim: 14, kernelSize: [3, 3], numLayers: 2, batchFirst: true, returnAllLayers: true });
    const x = tf.randomNormal([4, 5, 2, 12, 12]);
    const { layerOutputs, lastStates } = net.apply(x);
    expect(layerOutputs.map((t) => t.shape)).toEqual([[4, 5, 14, 12, 12], [4, 5, 14, 12, 12]]);
    expect(lastStates.flat().map((t) => t.shape)).toEqual(Array(4).fill([4, 14, 12, 12]));
    tf.dispose([x, ...layerOutputs, ...lastStates.flat()]);
    net.dispose();
  });

  it('time-major input when batchFirst is false', () => {
    const a = new ConvLSTM({ inputDim: 2, hiddenDim: 3, numLayers: 1, batchFirst: true, seed: 5 });
    const b = new ConvLSTM({ inputDim: 2, hiddenDim: 3, numLayers: 1, batchFirst: false, seed: 5 });
    const x = tf.randomNormal([2, 3, 2, 5, 4]);
    const ya = a.apply(x).layerOutputs[0]!;
    const yb = b.apply(tf.transpose(x, [1, 0, 2, 3, 4])).layerOutputs[0]!;
    expect(yb.shape).toEqual([3, 2, 3, 5, 4]);
    expect(tf.max(tf.abs(tf.sub(ya, tf.transpose(yb, [1, 0, 2, 3, 4])))).dataSync()[0]).toBeLessThan(1e-7);
    tf.disposeVariables();
  });
});

describe('ConvLSTM — initial states and the cell', () => {
  it('continuing from the last state equals one longer run', () => {
    const net = new ConvLSTM({ inputDim: 2, hiddenDim: [3, 4], kernelSize: [[3, 3], [1, 3]], numLayers: 2, batchFirst: true, returnAllLayers: true });
    const x = tf.randomNormal([2, 6, 2, 5, 7]);
    const full = net.apply(x);
    const first = net.apply(tf.slice(x, [0, 0], [-1, 4]));
    const second = net.apply(tf.slice(x, [0, 4], [-1, 2]), first.lastStates);
    for (let l = 0; l < 2; l++) {
      const tail = tf.slice(full.layerOutputs[l]!, [0, 4], [-1, 2]);
      expect(tf.max(tf.abs(tf.sub(tail, second.layerOutputs[l]!))).dataSync()[0]).toBeLessThan(1e-6);
    }
    tf.disposeVariables();
  });

  it('ConvLSTMCell.call steps like the layer', () => {
    const cell = new ConvLSTMCell({ inputDim: 2, hiddenDim: 3, kernelSize: [3, 5] });
    const x = tf.randomNormal([2, 2, 2, 6, 5]) as tf.Tensor5D;
    let state = cell.initHidden(2, [6, 5]);
    for (let t = 0; t < 2; t++) state = cell.call(tf.squeeze(tf.slice(x, [0, t], [-1, 1]), [1]) as tf.Tensor4D, state);
    const [h0, c0] = cell.initHidden(2, [6, 5]);
    const r = cell.runSequence(x, h0, c0);
    expect(tf.max(tf.abs(tf.sub(r.h, state[0]))).dataSync()[0]).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(r.c, state[1]))).dataSync()[0]).toBeLessThan(1e-6);
    cell.dispose();
  });
});

describe('ConvLSTM — config and validation', () => {
  it('config round-trips through JSON and fromConfig', () => {
    const net = new ConvLSTM({ inputDim: 3, hiddenDim: [4, 5], kernelSize: [[3, 1], [5, 5]], numLayers: 2, batchFirst: true, bias: false, returnAllLayers: true, seed: 3 });
    const copy = ConvLSTM.fromConfig(JSON.parse(JSON.stringify(net.getConfig())));
    expect(copy.getConfig()).toEqual(net.getConfig());
    expect(Object.keys(net.getWeights())).toEqual(['cells.0.kernel', 'cells.1.kernel']);
    net.dispose();
    copy.dispose();
  });

  const bad: [string, object, string][] = [
    ['even kernel', { inputDim: 2, hiddenDim: 4, kernelSize: [4, 3] }, "kernelSize[0][0] must be odd"],
    ['hidden list length', { inputDim: 2, hiddenDim: [4, 4, 4], numLayers: 2 }, 'hiddenDim has 3 entries but numLayers is 2'],
    ['kernel list length', { inputDim: 2, hiddenDim: 4, numLayers: 2, kernelSize: [[3, 3]] }, 'kernelSize has 1 entries but numLayers is 2'],
    ['zero inputDim', { inputDim: 0, hiddenDim: 4 }, 'inputDim must be a positive integer, got 0'],
  ];
  it.each(bad)('rejects %s with a named error', (_n, opts, msg) => {
    let err: unknown;
    try { new ConvLSTM(opts as never); } catch (e) { err = e; }
    expect(isModelError(err, 'InvalidOption')).toBe(true);
    expect((err as Error).message).toContain(msg);
  });

  it('rejects wrong rank and channel count', () => {
    const net = new ConvLSTM({ inputDim: 2, hiddenDim: 4, batchFirst: true });
    const x4 = tf.zeros([2, 2, 5, 5]);
    const x5 = tf.zeros([1, 2, 3, 5, 5]);
    expect(() => net.apply(x4)).toThrow(/rank 4/);
    expect(() => net.apply(x5)).toThrow(/3 channels.*expected 2 channels/);
    try { net.apply(x5); } catch (e) { expect(isModelError(e, 'InvalidInput')).toBe(true); }
    tf.dispose([x4, x5]);
    net.dispose();
  });
});

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTMForecaster, createModel, fromConfigAndWeights, isModelError, maskedMse, type ForecastModel } from '../../models/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base = { kind: 'convlstm-forecaster' as const, inputDim: 2, outputDim: 1, hiddenDim: [3, 4], numLayers: 2, kernelSize: [3, 3] as [number, number], outputLen: 2, seed: 1 };
const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

function trainSteps(model: ForecastModel, x: tf.Tensor5D, y: tf.Tensor5D, n: number): number[] {
  const opt = tf.train.adam(0.05);
  const losses: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = opt.minimize(() => maskedMse(model.predict(x, { training: true }), y), true, model.trainableVariables())!;
    losses.push(l.dataSync()[0]!);
    l.dispose();
  }
  opt.dispose();
  return losses;
}

describe('ConvLSTMForecaster', () => {
  it('slice-project: (B, T_in, C, H, W) → (B, T_out, C_out, H, W), no leaks', () => {
    const before = tf.memory().numTensors;
    const m = createModel(base);
    const x = tf.randomNormal([2, 4, 2, 5, 6]) as tf.Tensor5D;
    const y = m.predict(x);
    expect(y.shape).toEqual([2, 2, 1, 5, 6]);
    expect(m.kind).toBe('convlstm-forecaster');
    tf.dispose([x, y]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returnAllLayers: the head reads every layer (its weight grows) and the forecast changes', () => {
    const last = new ConvLSTMForecaster(base);
    const all = new ConvLSTMForecaster({ ...base, returnAllLayers: true });
    expect(last.getWeights()['head.weight']!.shape).toEqual([4, 1]);
    expect(all.getWeights()['head.weight']!.shape).toEqual([7, 1]);
    expect(all.getConfig().returnAllLayers).toBe(true);
    // with the first layer's head rows zeroed, the skip head equals the last-layer head
    const w = all.getWeights();
    const lw = last.getWeights();
    const hw = new Float32Array(7);
    hw.set(lw['head.weight']!.data, 3);
    all.setWeights({ ...w, ...Object.fromEntries(Object.entries(lw).filter(([k]) => k.startsWith('encoder.'))), 'head.weight': { shape: [7, 1], data: hw }, 'head.bias': lw['head.bias']! });
    const x = tf.randomNormal([1, 3, 2, 4, 4]) as tf.Tensor5D;
    expect(maxDiff(all.predict(x), last.predict(x))).toBeLessThan(1e-6);
    hw[0] = 1;
    all.setWeights({ ...all.getWeights(), 'head.weight': { shape: [7, 1], data: hw } });
    expect(maxDiff(all.predict(x), last.predict(x))).toBeGreaterThan(1e-4);
    tf.disposeVariables();
  });

  it('residual: with a zero head, the forecast is the last input frame of the target channels', () => {
    const m = new ConvLSTMForecaster({ ...base, outputDim: 1, residual: true, targetChannels: [1] });
    const w = m.getWeights();
    m.setWeights({ ...w, 'head.weight': { shape: w['head.weight']!.shape, data: new Float32Array(4) }, 'head.bias': { shape: [1], data: new Float32Array(1) } });
    const x = tf.randomNormal([2, 3, 2, 4, 5]) as tf.Tensor5D;
    const y = m.predict(x);
    const lastCh1 = tf.slice(x, [0, 2, 1, 0, 0], [2, 1, 1, 4, 5]);
    expect(maxDiff(tf.slice(y, [0, 0], [-1, 1]), lastCh1)).toBe(0);
    expect(maxDiff(tf.slice(y, [0, 1], [-1, 1]), lastCh1)).toBe(0);
    tf.disposeVariables();
  });

  it('encoder-decoder rolls out T_out > T_in steps; teacher forcing uses the targets only in training', () => {
    const m = new ConvLSTMForecaster({ ...base, head: 'encoder-decoder', outputLen: 4 });
    const x = tf.randomNormal([1, 2, 2, 4, 4]) as tf.Tensor5D;
    const targets = tf.randomNormal([1, 4, 1, 4, 4]) as tf.Tensor5D;
    const free = m.predict(x);
    expect(free.shape).toEqual([1, 4, 1, 4, 4]);
    expect(maxDiff(m.predict(x, { targets, teacherForcingProb: 1 }), free)).toBe(0); // not training
    const forced = m.predict(x, { training: true, targets, teacherForcingProb: 1, rng: () => 0 });
    expect(maxDiff(tf.slice(forced, [0, 0], [-1, 1]), tf.slice(free, [0, 0], [-1, 1]))).toBe(0); // step 0 never forced
    expect(maxDiff(forced, free)).toBeGreaterThan(1e-4);
    // NaN targets fall back to the model's own prediction
    const nanTargets = tf.fill([1, 4, 1, 4, 4], NaN) as tf.Tensor5D;
    expect(maxDiff(m.predict(x, { training: true, targets: nanTargets, teacherForcingProb: 1, rng: () => 0 }), free)).toBe(0);
    expect(() => m.predict(x, { training: true, targets: tf.zeros([1, 3, 1, 4, 4]) as tf.Tensor5D, teacherForcingProb: 0.5 })).toThrow(/targets have shape/);
    tf.disposeVariables();
  });

  it('config round-trips and weights rebuild the same model', () => {
    const m = createModel({ ...base, head: 'encoder-decoder', returnAllLayers: true, residual: true });
    const config = JSON.parse(JSON.stringify(m.getConfig()));
    const copy = fromConfigAndWeights(config, m.getWeights());
    expect(copy.getConfig()).toEqual(m.getConfig());
    const x = tf.randomNormal([1, 3, 2, 4, 4]) as tf.Tensor5D;
    expect(maxDiff(copy.predict(x), m.predict(x))).toBe(0);
    const { ['head.bias']: _drop, ...partial } = m.getWeights();
    expect(() => fromConfigAndWeights(config, partial)).toThrow(/missing weights head.bias/);
    tf.disposeVariables();
  });

  it('NaN inputs never reach the weights; NaN targets are ignored; the loss goes down', () => {
    const m = createModel({ ...base, hiddenDim: 4, numLayers: 1 });
    const xv = tf.randomNormal([2, 3, 2, 4, 4]).arraySync() as number[][][][][];
    xv[0]![0]![0]![0]![0] = NaN;
    const x = tf.tensor5d(xv);
    const yv = tf.randomNormal([2, 2, 1, 4, 4]).arraySync() as number[][][][][];
    yv[1]![1]![0]![2]![2] = NaN;
    const y = tf.tensor5d(yv);
    const losses = trainSteps(m, x, y, 6);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[5]!).toBeLessThan(losses[0]!);
    for (const w of Object.values(m.getWeights())) expect(w.data.every(Number.isFinite)).toBe(true);
    tf.disposeVariables();
  });

  it('rejects bad options and inputs with named errors', () => {
    expect(() => new ConvLSTMForecaster({ ...base, outputDim: 3, residual: true })).toThrow(/residual needs targetChannels/);
    expect(() => new ConvLSTMForecaster({ ...base, targetChannels: [5] })).toThrow(/targetChannels must list 1/);
    expect(() => new ConvLSTMForecaster({ ...base, head: 'mlp' as never })).toThrow(/head must be one of/);
    const m = new ConvLSTMForecaster({ ...base, outputLen: 3 });
    let err: unknown;
    try { m.predict(tf.zeros([1, 2, 2, 4, 4]) as tf.Tensor5D); } catch (e) { err = e; }
    expect(isModelError(err, 'InvalidInput')).toBe(true);
    expect(() => m.predict(tf.zeros([1, 4, 3, 4, 4]) as tf.Tensor5D)).toThrow(/expected \[B, T_in, 2, H, W\]/);
    expect(() => createModel({ kind: 'transformer' } as never)).toThrow(/unknown model kind/);
    tf.disposeVariables();
  });
});

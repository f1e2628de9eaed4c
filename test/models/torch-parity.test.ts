/**
 * Parity with the seed's PyTorch ConvLSTM: golden files written by
 * test/fixtures/torch/make_golden.py (the seed's classes, run in real PyTorch), loaded through our
 * PyTorch-layout mapping. Outputs and last states must match to 1e-5.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConvLSTM, convLSTMWeightsFromTorch, forecasterFromTorch, convLSTMWeightsToTorch, inferConvLSTMConfigFromTorch, isModelError, type NamedWeights,
} from '../../models/index.js';
import { goldenCases, loadGolden } from './golden.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function stateDictOf(tensors: NamedWeights): NamedWeights {
  return Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith('cell_list.')));
}

function maxAbsDiff(a: tf.Tensor, b: { shape: number[]; data: Float32Array }): number {
  expect(a.shape).toEqual(b.shape);
  const d = a.dataSync();
  let m = 0;
  for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i]! - b.data[i]!));
  return m;
}

describe('PyTorch parity (golden files)', () => {
  const cases = goldenCases();
  it('has the four golden cases', () => {
    expect(cases).toEqual(['non-square-grid', 'non-square-kernels', 'seed-example', 'three-layers']);
  });

  it.each(cases)('%s: outputs and last states equal PyTorch to 1e-5', (name) => {
    const g = loadGolden(name);
    const sd = stateDictOf(g.tensors);
    const config = inferConvLSTMConfigFromTorch(sd, { batchFirst: true, returnAllLayers: g.config.return_all_layers });
    expect(config.numLayers).toBe(g.config.num_layers);
    expect(config.bias).toBe(g.config.bias);
    const net = ConvLSTM.fromConfigAndWeights(config, convLSTMWeightsFromTorch(sd, config));
    const x = tf.tensor(g.tensors.x!.data, g.tensors.x!.shape);
    const { layerOutputs, lastStates } = net.apply(x);
    const nOut = Object.keys(g.tensors).filter((k) => k.startsWith('out.')).length;
    expect(layerOutputs.length).toBe(nOut);
    layerOutputs.forEach((o, j) => expect(maxAbsDiff(o, g.tensors[`out.${j}`]!)).toBeLessThan(1e-5));
    lastStates.forEach(([h, c], j) => {
      expect(maxAbsDiff(h, g.tensors[`h.${j}`]!)).toBeLessThan(1e-5);
      expect(maxAbsDiff(c, g.tensors[`c.${j}`]!)).toBeLessThan(1e-5);
    });
    // and back to the PyTorch layout, bit for bit
    const back = convLSTMWeightsToTorch(net.getWeights(), config);
    for (const [k, w] of Object.entries(sd)) expect(back[k]!.data).toEqual(w.data);
    tf.dispose([x, ...layerOutputs, ...lastStates.flat()]);
    net.dispose();
  });
});

describe('forecasterFromTorch', () => {
  it('the encoder of the imported forecaster reproduces PyTorch; the head is new', () => {
    const g = loadGolden('three-layers');
    const model = forecasterFromTorch(stateDictOf(g.tensors), { outputDim: 1, outputLen: 2, returnAllLayers: true });
    expect(model.getConfig().hiddenDim).toEqual([3, 5, 4]);
    const x = tf.tensor(g.tensors.x!.data, g.tensors.x!.shape);
    const { layerOutputs } = model.encoder.apply(x);
    layerOutputs.forEach((o, j) => expect(maxAbsDiff(o, g.tensors[`out.${j}`]!)).toBeLessThan(1e-5));
    const y = model.predict(x as tf.Tensor5D);
    expect(y.shape).toEqual([1, 2, 1, 6, 5]);
    tf.dispose([x, y, ...layerOutputs]);
    model.dispose();
  });
});

describe('PyTorch mapping errors', () => {
  const g = loadGolden('three-layers');
  const sd = stateDictOf(g.tensors);
  const config = inferConvLSTMConfigFromTorch(sd);

  it('missing key', () => {
    const { ['cell_list.1.conv.bias']: _drop, ...rest } = sd;
    expect(() => convLSTMWeightsFromTorch(rest, config)).toThrow(/missing key 'cell_list.1.conv.bias'/);
  });
  it('extra key', () => {
    let err: unknown;
    try { convLSTMWeightsFromTorch({ ...sd, 'cell_list.3.conv.weight': sd['cell_list.0.conv.weight']! }, config); } catch (e) { err = e; }
    expect(isModelError(err, 'UnexpectedWeight')).toBe(true);
  });
  it('misshaped key', () => {
    const w = sd['cell_list.0.conv.weight']!;
    expect(() => convLSTMWeightsFromTorch({ ...sd, 'cell_list.0.conv.weight': { shape: [w.shape[0]!, w.shape[1]!, 1, 9], data: w.data } }, config))
      .toThrow(/'cell_list.0.conv.weight' has shape \[12, 5, 1, 9\].*expected \[12, 5, 3, 3\]/);
  });
  it('other key names', () => {
    let err: unknown;
    try { inferConvLSTMConfigFromTorch({ 'encoder.conv.weight': sd['cell_list.0.conv.weight']! }); } catch (e) { err = e; }
    expect(isModelError(err, 'UnexpectedWeight')).toBe(true);
    expect((err as Error).message).toContain("unknown key 'encoder.conv.weight'");
  });
  it('our own setWeights names missing/extra/misshaped tensors', () => {
    const net = new ConvLSTM(config);
    const w = net.getWeights();
    const { ['cells.2.bias']: _b, ...missing } = w;
    expect(() => net.setWeights(missing)).toThrow(/missing weights cells.2.bias/);
    expect(() => net.setWeights({ ...w, extra: w['cells.2.bias']! })).toThrow(/unexpected weights extra/);
    expect(() => net.setWeights({ ...w, 'cells.0.bias': { shape: [3], data: new Float32Array(3) } })).toThrow(/'cells.0.bias': weight has shape \[3\]/);
    net.dispose();
  });
});

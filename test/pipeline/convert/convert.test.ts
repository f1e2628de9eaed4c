/**
 * `gridcast convert`: the seed's PyTorch ConvLSTM, saved as a safetensors state dict by real
 * PyTorch (make_torch_files.py, run here with Debian's python3-torch), converted through the CLI
 * into a checkpoint directory, loaded as any checkpoint, must give PyTorch's outputs to 1e-5 on
 * the same random inputs — the encoder's every layer output and last state, and the whole
 * forecast when the file carries a head. A file with other key names fails with the keys expected
 * and writes nothing.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../../../datasets/tensors/safetensors-file.js';
import { fromConfigAndWeights, type ModelConfig } from '../../../models/factory.js';
import type { ConvLSTMForecaster } from '../../../models/forecasters/convlstm-forecaster.js';
import { loadCheckpoint } from '../../../pipeline/checkpoint/checkpoint.js';
import { CheckpointError } from '../../../pipeline/errors.js';
import { ingest } from '../../../pipeline/stages/ingest.js';
import { predict } from '../../../pipeline/stages/predict.js';
import { train } from '../../../pipeline/stages/train.js';
import { debianPython, run, tempDir } from '../../helpers.js';
import { gridcast, tinyDataset } from '../helpers.js';

const tmp = tempDir('gridcast-convert-');
const files = join(tmp.path, 'torch');

beforeAll(async () => {
  await tf.setBackend('cpu');
  run(debianPython, [join(import.meta.dirname, 'make_torch_files.py'), files]);
});
afterAll(() => tmp.remove());

async function reference(name: string): Promise<Record<string, tf.Tensor>> {
  const { tensors } = await readSafetensorsFile(join(files, `${name}.reference.safetensors`));
  return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, tf.tensor(v.data as Float32Array, v.shape)]));
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

async function loadModel(dir: string): Promise<ConvLSTMForecaster> {
  const ck = await loadCheckpoint(dir);
  return fromConfigAndWeights(ck.config.model as unknown as ModelConfig, ck.weights) as ConvLSTMForecaster;
}

describe('gridcast convert (PyTorch ConvLSTM → checkpoint)', () => {
  it('imports a wrapped state dict with a 1x1-conv head: encoder and forecast equal PyTorch to 1e-5', async () => {
    const out = join(tmp.path, 'ck-head');
    const r = gridcast('convert', join(files, 'wrapped-with-head.safetensors'), '--out', out, '--channels', 'a,b,c', '--targets', 'a,c',
      '--t-in', '4', '--t-out', '2', '--height', '7', '--width', '10', '--return-all-layers', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const ev = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(ev).toMatchObject({ event: 'converted', checkpoint: out, head: 'file' });
    const ck = await loadCheckpoint(out);
    expect(ck.config.model).toMatchObject({ kind: 'convlstm-forecaster', inputDim: 3, hiddenDim: [4, 6], kernelSize: [[3, 3], [1, 5]], bias: true, head: 'slice-project', returnAllLayers: true, outputDim: 2, outputLen: 2, targetChannels: [0, 2] });
    expect(ck.config.data).toMatchObject({ channels: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], targetChannels: ['a', 'c'], tIn: 4, tOut: 2, height: 7, width: 10, crs: { epsg: 4326 } });
    expect(ck.config.origin).toMatch(/pytorch:wrapped-with-head\.safetensors/);
    const ref = await reference('wrapped-with-head');
    const model = await loadModel(out);
    try {
      const { layerOutputs, lastStates } = model.encoder.apply(ref.x as tf.Tensor5D);
      expect(layerOutputs.length).toBe(2);
      layerOutputs.forEach((o, j) => expect(maxDiff(o, ref[`out.${j}`]!)).toBeLessThan(1e-5));
      lastStates.forEach(([h, c], j) => {
        expect(maxDiff(h, ref[`h.${j}`]!)).toBeLessThan(1e-5);
        expect(maxDiff(c, ref[`c.${j}`]!)).toBeLessThan(1e-5);
      });
      const y = model.predict(ref.x as tf.Tensor5D);
      expect(maxDiff(y, ref.forecast!)).toBeLessThan(1e-5);
      tf.dispose([y, ...layerOutputs, ...lastStates.flat()]);
    } finally {
      model.dispose();
      tf.dispose(Object.values(ref));
    }
  });

  it('imports a plain 3-layer state dict without bias or head: identity head, outputs equal PyTorch to 1e-5', async () => {
    const out = join(tmp.path, 'ck-plain');
    const r = gridcast('convert', join(files, 'plain-three-layers.safetensors'), '--out', out, '--channels', 'u,v',
      '--t-in', '3', '--t-out', '2', '--height', '6', '--width', '5', '--geotransform', '10,0.5,0,50,0,-0.5', '--epsg', '4326', '--step-hours', '6');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/checkpoint written: .*ck-plain\n.*hidden \[3, 5, 4\].*head identity/);
    const ck = await loadCheckpoint(out);
    expect(ck.config.model).toMatchObject({ hiddenDim: [3, 5, 4], kernelSize: [[3, 3], [5, 3], [3, 1]], bias: false, numLayers: 3 });
    expect(ck.config.data).toMatchObject({ geotransform: [10, 0.5, 0, 50, 0, -0.5], timeStepHours: 6, normalization: { mean: [0, 0], std: [1, 1] } });
    const ref = await reference('plain-three-layers');
    const model = await loadModel(out);
    try {
      const { layerOutputs, lastStates } = model.encoder.apply(ref.x as tf.Tensor5D);
      layerOutputs.forEach((o, j) => expect(maxDiff(o, ref[`out.${j}`]!)).toBeLessThan(1e-5));
      lastStates.forEach(([h, c], j) => {
        expect(maxDiff(h, ref[`h.${j}`]!)).toBeLessThan(1e-5);
        expect(maxDiff(c, ref[`c.${j}`]!)).toBeLessThan(1e-5);
      });
      // identity head: forecast channel k = last layer's hidden channel k over the last tOut steps
      const y = model.predict(ref.x as tf.Tensor5D);
      const expected = tf.slice(ref['out.2']!, [0, 1, 0, 0, 0], [-1, 2, 2, -1, -1]);
      expect(maxDiff(y, expected)).toBeLessThan(1e-5);
      tf.dispose([y, expected, ...layerOutputs, ...lastStates.flat()]);
    } finally {
      model.dispose();
      tf.dispose(Object.values(ref));
    }
  });

  it('rejects a file with other key names, listing the keys expected, and writes nothing', () => {
    const out = join(tmp.path, 'ck-lstm');
    const r = gridcast('convert', join(files, 'other-keys.safetensors'), '--out', out, '--channels', 'a,b,c', '--t-in', '4', '--t-out', '2', '--height', '7', '--width', '10');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CheckpointError: .*other-keys\.safetensors: no ConvLSTM weights among the keys \[weight_ih_l0/);
    expect(r.err).toMatch(/expected keys 'cell_list\.\{i\}\.conv\.weight' \[4\*hidden, in\+hidden, kh, kw\] and 'cell_list\.\{i\}\.conv\.bias'/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects a channel count that does not fit the weights, and bad usage with exit code 2', () => {
    const out = join(tmp.path, 'ck-bad');
    const wrong = gridcast('convert', join(files, 'plain-three-layers.safetensors'), '--out', out, '--channels', 'a,b,c', '--t-in', '3', '--t-out', '2', '--height', '6', '--width', '5');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/takes 2 input channels but the data has 3 \[a, b, c\]/);
    expect(existsSync(out)).toBe(false);
    expect(gridcast('convert', join(files, 'plain-three-layers.safetensors'), '--channels', 'a,b').code).toBe(2);
    const noT = gridcast('convert', join(files, 'plain-three-layers.safetensors'), '--out', out, '--channels', 'a,b');
    expect(noT.code).toBe(2);
    expect(noT.err).toMatch(/without --config, --t-in is required/);
    const help = gridcast('convert', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/cell_list\.\{i\}\.conv\.weight/);
  });

  it('--config takes the data section from the dataset; the checkpoint predicts, and seeds fine-tuning (train --init)', async () => {
    const work = join(tmp.path, 'tiny');
    const loaded = await tinyDataset(work);
    const out = join(tmp.path, 'ck-tiny');
    const r = gridcast('convert', join(files, 'tiny-one-layer.safetensors'), '--out', out, '--config', loaded.file, '--json');
    expect(r.code, r.err).toBe(0);
    const ds = (await ingest(loaded)).dataset;
    const ck = await loadCheckpoint(out);
    expect(ck.config.data.channels.map((c) => c.name)).toEqual(['precip', 'tcw']);
    expect(ck.config.data.normalization).toEqual({ mean: ds.info.normalization.mean, std: ds.info.normalization.std });
    expect(ck.config.data.geotransform).toEqual(ds.info.grid.geotransform);
    const fc = await predict(loaded, { checkpoint: out, hindcast: true, log: () => {} });
    expect(fc.files.some((f) => f.kind === 'geotiff')).toBe(true);
    // fine-tuning: the first epoch starts from the PyTorch encoder, not from a seeded one
    const tuned = await train(loaded, ds, { init: out, checkpointsDir: join(work, 'ck-tuned'), log: () => {} });
    const scratch = await train(loaded, ds, { checkpointsDir: join(work, 'ck-scratch'), log: () => {} });
    expect(tuned.resumedFrom).toBe(0);
    expect(tuned.history[0]!.loss).not.toBe(scratch.history[0]!.loss);
    // a checkpoint for other channels is refused before training
    const other = await train(loaded, ds, { init: join(tmp.path, 'ck-plain'), checkpointsDir: join(work, 'ck-other'), log: () => {} }).catch((e) => e);
    expect(other).toBeInstanceOf(CheckpointError);
    expect(other.message).toMatch(/trained on channels \[u, v\]/);
    expect(existsSync(join(work, 'ck-other'))).toBe(false);
  });
});

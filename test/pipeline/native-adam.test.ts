/**
 * The training stage with the fused native Adam (models/native/adam-native.ts) trains exactly like
 * with tf.train.adam (GRIDCAST_NATIVE_ADAM=0): same losses and bit-identical weights after three
 * epochs of a two-layer forecaster on the native backend (wasm + fused layer, whose head is a wasm
 * matMul: the case where weights updated in place went wrong), and a checkpoint written with either
 * optimizer resumes with the other to the very weights of an uninterrupted run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../datasets/dataset/open-dataset.js';
import { loadCheckpoint } from '../../pipeline/checkpoint/checkpoint.js';
import { validateConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { train } from '../../pipeline/stages/train.js';
import { nativeAvailable } from '../../models/native/convlstm-native.js';
import { tempDir } from '../helpers.js';
import { tinyDataset } from './helpers.js';

const tmp = tempDir('gridcast-native-adam-');
const quiet = { log: () => {} };
const native = nativeAvailable();
let loaded: LoadedConfig;
let ds: Dataset;

function withEpochs(epochs: number): LoadedConfig {
  const c = structuredClone(loaded.config);
  c.train.epochs = epochs;
  return validateConfig(c, loaded.file, loaded.baseDir);
}

async function run(dir: string, epochs: number, nativeAdam: boolean) {
  if (nativeAdam) delete process.env.GRIDCAST_NATIVE_ADAM;
  else process.env.GRIDCAST_NATIVE_ADAM = '0';
  return train(withEpochs(epochs), ds, { ...quiet, checkpointsDir: join(tmp.path, dir) });
}

const weightsOf = (dir: string) => readFileSync(join(dir, 'weights.safetensors'));

/** Adam's saved arrays in order (names hold per-process variable ids, so only positions compare). */
async function optimizerArrays(dir: string): Promise<Buffer[]> {
  const ck = await loadCheckpoint(dir, true);
  return Object.keys(ck.optimizer!).sort().map((k) => Buffer.from(ck.optimizer![k]!.data.buffer, ck.optimizer![k]!.data.byteOffset, ck.optimizer![k]!.data.byteLength));
}

describe.skipIf(!native.ok)('training with the native Adam', () => {
  beforeAll(async () => {
    loaded = await tinyDataset(tmp.path, {
      config: { backend: 'native', train: { epochs: 3, batchSize: 4, learningRate: 0.01 }, model: { kind: 'convlstm', hiddenDim: 6, numLayers: 2, kernelSize: [3, 3] } },
    });
    ds = (await ingest(loaded)).dataset;
  });
  afterEach(() => {
    delete process.env.GRIDCAST_NATIVE_ADAM;
  });
  afterAll(() => tmp.remove());

  it('gives the weights and losses of tf.train.adam; checkpoints resume across the two', async () => {
    const fused = await run('fused', 3, true);
    expect(fused.backend).toBe('wasm/native');
    const tfjs = await run('tfjs', 3, false);
    expect(fused.history.map((h) => [h.loss, h.valLoss])).toEqual(tfjs.history.map((h) => [h.loss, h.valLoss]));
    expect(weightsOf(fused.last).equals(weightsOf(tfjs.last))).toBe(true);
    const [a, b] = [await optimizerArrays(fused.last), await optimizerArrays(tfjs.last)];
    expect(a.length).toBe(b.length);
    a.forEach((x, i) => expect(x.equals(b[i]!), `optimizer array ${i}`).toBe(true));

    // One epoch with one optimizer, resumed to three with the other.
    await run('fused-then-tfjs', 1, true);
    const r1 = await run('fused-then-tfjs', 3, false);
    expect(r1.resumedFrom).toBe(1);
    expect(weightsOf(r1.last).equals(weightsOf(fused.last))).toBe(true);
    await run('tfjs-then-fused', 1, false);
    const r2 = await run('tfjs-then-fused', 3, true);
    expect(r2.resumedFrom).toBe(1);
    expect(weightsOf(r2.last).equals(weightsOf(fused.last))).toBe(true);
  });
});

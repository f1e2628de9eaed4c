/**
 * Reads a dataset directory written by `buildDataset`: validates `dataset.json`, then reads shards
 * one at a time (or a whole split, for datasets that fit in memory).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TensorFileError } from '../errors.js';
import { FileSource } from '../source/file-source.js';
import { recoverDirectory } from '../io/replace-dir.js';
import { readSafetensorsHeader, readTensors } from '../tensors/safetensors-file.js';
import { DATASET_FORMAT, type DatasetInfo } from './dataset-info.js';
import type { SplitName } from './windows.js';

/** Samples of one shard or split: inputs (N, tIn, C, H, W), targets (N, tOut, Co, H, W). */
export interface SampleBatch {
  count: number;
  inputs: Float32Array;
  targets: Float32Array;
  /** Frame index of each sample's first input step. */
  start: Int32Array;
}

/** An open dataset directory. */
export interface Dataset {
  readonly dir: string;
  readonly info: DatasetInfo;
  /** Shape of one input sample [tIn, C, H, W] and one target sample [tOut, Co, H, W]. */
  readonly inputShape: [number, number, number, number];
  readonly targetShape: [number, number, number, number];
  readShard(split: SplitName, index: number): Promise<SampleBatch>;
  /** Every sample of a split, concatenated. */
  loadSplit(split: SplitName): Promise<SampleBatch>;
  /** The training climatology (C, H, W). */
  climatology(): Promise<Float32Array>;
}

/** Opens `dir`; TensorFileError when dataset.json is missing or not ours. */
export async function openDataset(dir: string): Promise<Dataset> {
  await recoverDirectory(dir);
  const path = join(dir, 'dataset.json');
  let info: DatasetInfo;
  try {
    info = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TensorFileError('cannot read dataset.json', { file: path, cause, expected: 'a dataset directory made by `gridcast ingest`' });
  }
  if (info?.format !== DATASET_FORMAT) throw new TensorFileError(`format is '${info?.format}'`, { file: path, expected: `'${DATASET_FORMAT}'` });
  const { tIn, tOut } = info.window;
  const C = info.channels.length;
  const Co = info.targetChannels.length;
  const { height: H, width: W } = info.grid;
  const inputShape: [number, number, number, number] = [tIn, C, H, W];
  const targetShape: [number, number, number, number] = [tOut, Co, H, W];

  const readShard = async (split: SplitName, index: number): Promise<SampleBatch> => {
    const shard = info.splits[split]?.shards[index];
    if (!shard) throw new TensorFileError(`no shard ${index} in split '${split}'`, { file: path });
    const file = join(dir, shard.file);
    const source = await FileSource.open(file);
    try {
      const header = await readSafetensorsHeader(source);
      const t = await readTensors(source, header, ['inputs', 'targets', 'start']);
      const expectIn = [shard.samples, ...inputShape].join(',');
      const expectOut = [shard.samples, ...targetShape].join(',');
      if (t.inputs.shape.join(',') !== expectIn || t.targets.shape.join(',') !== expectOut || t.inputs.dtype !== 'F32' || t.targets.dtype !== 'F32') {
        throw new TensorFileError(`shard tensors are inputs [${t.inputs.shape}] targets [${t.targets.shape}]`, {
          file,
          expected: `F32 inputs [${expectIn}] and targets [${expectOut}] as dataset.json says`,
        });
      }
      return { count: shard.samples, inputs: t.inputs.data as Float32Array, targets: t.targets.data as Float32Array, start: t.start.data as Int32Array };
    } finally {
      await source.close();
    }
  };

  return {
    dir,
    info,
    inputShape,
    targetShape,
    readShard,
    async loadSplit(split) {
      const s = info.splits[split];
      const perIn = inputShape.reduce((a, b) => a * b, 1);
      const perOut = targetShape.reduce((a, b) => a * b, 1);
      const out: SampleBatch = {
        count: s.samples,
        inputs: new Float32Array(s.samples * perIn),
        targets: new Float32Array(s.samples * perOut),
        start: new Int32Array(s.samples),
      };
      let n = 0;
      for (let i = 0; i < s.shards.length; i++) {
        const b = await readShard(split, i);
        out.inputs.set(b.inputs, n * perIn);
        out.targets.set(b.targets, n * perOut);
        out.start.set(b.start, n);
        n += b.count;
      }
      return out;
    },
    async climatology() {
      const file = join(dir, info.climatology);
      const source = await FileSource.open(file);
      try {
        const t = await readTensors(source, await readSafetensorsHeader(source), ['mean']);
        return t.mean.data as Float32Array;
      } finally {
        await source.close();
      }
    },
  };
}

/**
 * Checkpoint directories: `config.json` (model kind and hyper-parameters, data channels,
 * normalisation, grid, training state and history) + `weights.safetensors` (the model's named
 * weights) + optionally `optimizer.safetensors` (Adam's moments, for an exact resume).
 * Written into a temporary directory and renamed, so a crash mid-save never corrupts the last
 * good checkpoint. Nothing here needs TensorFlow.js: a checkpoint saved on one backend loads on
 * any other, and Python reads the weights with `safetensors`.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { recoverDirectory, replaceDirectory } from '../../datasets/io/replace-dir.js';
import { tempNameFor, readSafetensorsFile, writeSafetensorsFile } from '../../datasets/tensors/safetensors-file.js';
import type { Tensor } from '../../datasets/tensors/safetensors.js';
import type { ChannelInfo, Crs, GeoTransform } from '../../datasets/grid/types.js';
import { CheckpointError } from '../errors.js';
import { refuseForeignDir } from '../outputs/replace-dir.js';

export const CHECKPOINT_FORMAT = 'gridcast-checkpoint';

/** Named float32 arrays, as models expose their weights. */
export type NamedArrays = Record<string, { shape: number[]; data: Float32Array }>;

/** What a checkpoint says about the data it was trained on. */
export interface CheckpointData {
  channels: ChannelInfo[];
  targetChannels: string[];
  tIn: number;
  tOut: number;
  height: number;
  width: number;
  geotransform: GeoTransform;
  crs: Crs;
  timeStepHours: number;
  normalization: { mean: number[]; std: number[] };
}

export interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss: number;
  learningRate: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface CheckpointState {
  /** Epochs completed. */
  epoch: number;
  bestValLoss: number;
  bestEpoch: number;
  /** Epochs since the best validation loss (early stopping / plateau counters). */
  sinceBest: number;
  learningRate: number;
  plateauCount: number;
  /** State of the shuffling RNG after the last epoch. */
  rngState: number;
  history: EpochRecord[];
  backend: string;
  stopped?: 'early-stopping' | 'completed';
}

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  savedAt: string;
  /** The model's own config (from getConfig), enough to rebuild it. */
  model: Record<string, unknown> & { kind: string };
  data: CheckpointData;
  training: CheckpointState;
  /** Hash of the dataset + training config this run belongs to (resume only matches equal hashes). */
  runHash?: string;
  /** Where the weights came from when not trained here (e.g. an imported PyTorch file). */
  origin?: string;
}

export interface Checkpoint {
  dir: string;
  config: CheckpointConfig;
  weights: NamedArrays;
  optimizer?: NamedArrays;
}

function toTensors(a: NamedArrays): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, { dtype: 'F32' as const, shape: v.shape, data: v.data }]));
}

/** Writes a checkpoint to `dir` atomically (replacing an existing one). */
export async function saveCheckpoint(dir: string, ck: Omit<Checkpoint, 'dir'>): Promise<void> {
  await refuseForeignDir(dir, 'config.json', 'a checkpoint directory');
  const tmp = tempNameFor(dir);
  await mkdir(tmp, { recursive: true });
  try {
    await writeSafetensorsFile(join(tmp, 'weights.safetensors'), toTensors(ck.weights), { format: CHECKPOINT_FORMAT, model: ck.config.model.kind });
    if (ck.optimizer) await writeSafetensorsFile(join(tmp, 'optimizer.safetensors'), toTensors(ck.optimizer));
    await writeFile(join(tmp, 'config.json'), JSON.stringify(ck.config, null, 1));
    await replaceDirectory(tmp, dir);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

function asNamed(t: Record<string, Tensor>, file: string): NamedArrays {
  const out: NamedArrays = {};
  for (const [k, v] of Object.entries(t)) {
    if (v.dtype !== 'F32') throw new CheckpointError(`tensor '${k}' is ${v.dtype}`, { file, variable: k, expected: 'F32 weights' });
    out[k] = { shape: v.shape, data: v.data as Float32Array };
  }
  return out;
}

/** Reads a checkpoint directory; CheckpointError naming the file for anything missing or malformed. */
export async function loadCheckpoint(dir: string, withOptimizer = false): Promise<Checkpoint> {
  await recoverDirectory(dir);
  const cfgPath = join(dir, 'config.json');
  let config: CheckpointConfig;
  try {
    config = JSON.parse(await readFile(cfgPath, 'utf8'));
  } catch (cause) {
    throw new CheckpointError('cannot read the checkpoint config', { file: cfgPath, cause, expected: 'a checkpoint directory (config.json + weights.safetensors)' });
  }
  if (config?.format !== CHECKPOINT_FORMAT || typeof config.model?.kind !== 'string' || !config.data) {
    throw new CheckpointError('not a gridcast checkpoint config', { file: cfgPath, expected: `format '${CHECKPOINT_FORMAT}' with model and data sections` });
  }
  const wPath = join(dir, 'weights.safetensors');
  const weights = asNamed((await readSafetensorsFile(wPath).catch((cause) => {
    throw new CheckpointError('cannot read the weights', { file: wPath, cause });
  })).tensors, wPath);
  let optimizer: NamedArrays | undefined;
  if (withOptimizer) {
    const oPath = join(dir, 'optimizer.safetensors');
    if (await stat(oPath).then(() => true, () => false)) optimizer = asNamed((await readSafetensorsFile(oPath)).tensors, oPath);
  }
  return { dir, config, weights, optimizer };
}

/** True when `dir` holds a checkpoint config. */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  await recoverDirectory(dir);
  return stat(join(dir, 'config.json')).then(() => true, () => false);
}

/**
 * The data section of an imported checkpoint (checkpoint/checkpoint.ts `CheckpointData`): what a
 * PyTorch state dict cannot say — channel names and order, targets, windows, grid, CRS, time
 * step and normalisation. Either taken from a dataset made by ingest (the normal case: predict
 * and evaluate then check the checkpoint against the data as for a trained one), or given
 * explicitly, with identity normalisation unless mean/std are given.
 */
import type { DatasetInfo } from '../../datasets/dataset/dataset-info.js';
import type { GeoTransform } from '../../datasets/grid/types.js';
import type { CheckpointData } from '../checkpoint/checkpoint.js';
import { ConfigError } from '../errors.js';

/** The data section for checkpoints used with `info`'s dataset. */
export function dataSectionFromDataset(info: DatasetInfo): CheckpointData {
  return {
    channels: info.channels, targetChannels: info.targetChannels, tIn: info.window.tIn, tOut: info.window.tOut,
    height: info.grid.height, width: info.grid.width, geotransform: info.grid.geotransform, crs: info.grid.crs,
    timeStepHours: info.timeStepHours, normalization: { mean: info.normalization.mean, std: info.normalization.std },
  };
}

/** Explicit description of the data (every field named as the CLI flag it comes from). */
export interface ExplicitData {
  /** Channel names in the model's input order. */
  channels: string[];
  /** Forecast channels; default all channels. */
  targets?: string[];
  tIn: number;
  tOut: number;
  height: number;
  width: number;
  /** GDAL geotransform; default [0, 1, 0, 0, 0, -1] (unit cells, north-up). */
  geotransform?: number[];
  /** EPSG code; default 4326. */
  epsg?: number;
  /** Hours between time steps; default 1. */
  stepHours?: number;
  /** Per-channel normalisation; default mean 0, std 1 (the weights see physical units). */
  mean?: number[];
  std?: number[];
}

/** Validates explicit values (ConfigError naming the flag) and builds the data section. */
export function dataSectionFromValues(v: ExplicitData): CheckpointData {
  const fail = (field: string, msg: string): never => { throw new ConfigError(`--${field}: ${msg}`); };
  if (!v.channels.length || v.channels.some((c) => !c)) fail('channels', 'give the channel names, comma-separated');
  if (new Set(v.channels).size !== v.channels.length) fail('channels', `names must be distinct, got ${v.channels.join(',')}`);
  const targets = v.targets ?? v.channels;
  for (const t of targets) if (!v.channels.includes(t)) fail('targets', `'${t}' is not a channel (channels: ${v.channels.join(', ')})`);
  for (const [k, n] of [['t-in', v.tIn], ['t-out', v.tOut], ['height', v.height], ['width', v.width]] as const) {
    if (!Number.isInteger(n) || n < 1) fail(k, `must be a positive integer, got ${n}`);
  }
  const gt = v.geotransform ?? [0, 1, 0, 0, 0, -1];
  if (gt.length !== 6 || gt.some((x) => !Number.isFinite(x))) fail('geotransform', `needs 6 numbers, got ${gt.join(',')}`);
  const step = v.stepHours ?? 1;
  if (!(step > 0)) fail('step-hours', `must be positive, got ${step}`);
  const C = v.channels.length;
  const mean = v.mean ?? Array(C).fill(0);
  const std = v.std ?? Array(C).fill(1);
  if (mean.length !== C || mean.some((x) => !Number.isFinite(x))) fail('mean', `needs ${C} numbers, got ${mean.join(',')}`);
  if (std.length !== C || std.some((x) => !(x > 0))) fail('std', `needs ${C} positive numbers, got ${std.join(',')}`);
  return {
    channels: v.channels.map((name) => ({ name })), targetChannels: targets, tIn: v.tIn, tOut: v.tOut,
    height: v.height, width: v.width, geotransform: gt as GeoTransform, crs: { epsg: v.epsg ?? 4326 },
    timeStepHours: step, normalization: { mean, std },
  };
}

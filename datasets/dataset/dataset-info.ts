/**
 * `dataset.json`: everything needed to use a dataset directory without the raster files it came
 * from — grid, coordinates, CRS, channels, time axis, windows, splits, shards and the
 * normalisation statistics of the training split.
 */
import type { ChannelInfo, Crs, GeoTransform } from '../grid/types.js';
import type { SplitName } from './windows.js';

export const DATASET_FORMAT = 'gridcast-dataset';
export const DATASET_VERSION = 1;

export interface ShardInfo {
  /** File name inside the dataset directory. */
  file: string;
  samples: number;
  bytes: number;
}

export interface SplitInfo {
  /** Frame index range [begin, end) of the split. */
  frames: [number, number];
  samples: number;
  shards: ShardInfo[];
}

export interface DatasetInfo {
  format: typeof DATASET_FORMAT;
  version: number;
  createdAt: string;
  /** Free-form provenance (e.g. the input hash the pipeline uses to skip work). */
  provenance: Record<string, unknown>;
  sources: { label: string; files: string[]; variable: string; name: string }[];
  channels: ChannelInfo[];
  /** Names of the target channels (a subset of `channels`, in channel order). */
  targetChannels: string[];
  grid: {
    height: number;
    width: number;
    y: number[];
    x: number[];
    crs: Crs;
    geotransform: GeoTransform;
    geographic: boolean;
  };
  /** ISO-8601 instants of every frame. */
  times: string[];
  /** The regular time step in hours. */
  timeStepHours: number;
  window: { tIn: number; tOut: number; stride: number; split: { train: number; val: number; test: number } };
  splits: Record<SplitName, SplitInfo>;
  /** Per-channel statistics of the training split, NaN ignored. */
  normalization: { mean: number[]; std: number[]; count: number[] };
  /** Windows skipped because they span a gap in the time axis. */
  skippedWindows: number;
  /** File with the per-cell training climatology `mean` (C, H, W). */
  climatology: string;
}

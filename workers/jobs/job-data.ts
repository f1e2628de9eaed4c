/**
 * The JSON that travels in BullMQ job data and results — small by design: configs, relative
 * paths and blob references, never tensors (BullMQ would serialise a Buffer as a JSON array of
 * numbers, several times its size). Bumping `v` lets a worker refuse data it does not understand.
 */
import type { BlobRef } from '../transport/blob-ref.js';

/** Names of the queues (under the deployment prefix). */
export type QueueKind = 'ingest' | 'train' | 'predict';

/** A validated config object and where its relative paths resolve from (a shared directory). */
export interface JobConfig {
  /** The config object (validated again by every worker before use). */
  config: unknown;
  /** Absolute directory that the config's relative paths (sources) are resolved against. */
  baseDir: string;
  /** The file it came from, for messages. */
  file: string;
}

/** `ingest` job: build the dataset and publish it as blobs. */
export interface IngestJobData {
  v: 1;
  /** Id of the forecast run (the flow), naming its checkpoint directory and registry entry. */
  runId: string;
  job: JobConfig;
}

/** One file of a dataset directory, as a blob. */
export interface DatasetFileRef {
  /** Path relative to the dataset directory (`dataset.json`, `shards/train-000.safetensors`). */
  path: string;
  ref: BlobRef;
}

/** Result of an `ingest` job. */
export interface IngestJobResult {
  runId: string;
  files: DatasetFileRef[];
  /** Input hash of the dataset (its provenance). */
  inputHash: string;
  samples: { train: number; val: number; test: number };
}

/** `train` job: fetch the dataset blobs (from `dataset`, else from the ingest child's result), train, evaluate, register. */
export interface TrainJobData {
  v: 1;
  runId: string;
  job: JobConfig;
  /** Dataset blobs; absent in a flow, where the ingest child's result provides them. */
  dataset?: DatasetFileRef[];
}

/** Result of a `train` job. */
export interface TrainJobResult {
  runId: string;
  /** Best checkpoint, relative to the checkpoint root (`<runId>/best`). */
  checkpoint: string;
  bestEpoch: number;
  bestValLoss: number;
  /** Epochs completed. */
  epochs: number;
  /** Epoch this attempt continued from (0 = fresh start). */
  resumedFrom: number;
  backend: string;
  /** Mean RMSE over channels and lead times on the test split, when it could be scored. */
  testRmse: number | null;
}

/** Which checkpoint a forecast uses. */
export type CheckpointChoice =
  /** The train child of the same flow. */
  | { from: 'flow' }
  /** The registry's production model for the config's name. */
  | { from: 'production' }
  /** A registered run. */
  | { from: 'run'; runId: string };

/** `predict` job: forecast from the config's newest inputs with a checkpoint. */
export interface PredictJobData {
  v: 1;
  runId?: string;
  job: JobConfig;
  checkpoint: CheckpointChoice;
  /** Output directory relative to the output root; `..` and absolute paths are rejected. */
  outDir: string;
  /** Issue the forecast tOut steps before the end (observations known). */
  hindcast?: boolean;
  /** Issue time (ISO-8601); default the newest input step. */
  at?: string;
  /**
   * Scheduled runs: issue at the newest step at least `lagHours` before the run was due (see
   * schedules/issue-time.ts) instead of the newest step present, so late inputs are noticed.
   */
  issue?: { stepHours: number; lagHours?: number };
}

/** Result of a `predict` job. */
export interface PredictJobResult {
  /** Forecast directory relative to the output root. */
  dir: string;
  /** Files written, relative to the output root. */
  files: string[];
  issueTime: string;
  checkpoint: string;
}

/** Progress a train job reports through `job.updateProgress`. */
export interface TrainProgress {
  epoch: number;
  epochs: number;
  loss?: number;
  valLoss?: number;
  samplesPerSecond?: number;
  /** Batch within the epoch, while one runs. */
  batch?: number;
  batches?: number;
}

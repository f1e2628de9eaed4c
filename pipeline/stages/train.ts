/**
 * The training stage: dataset → checkpoints. Adam on the masked MSE/MAE of normalised fields,
 * mini-batches shuffled by a seeded RNG (same seed → same weights on the same backend),
 * validation every epoch, early stopping, learning-rate schedules, clipping by global norm,
 * scheduled sampling for the encoder–decoder, and a checkpoint every epoch (`last`, with the
 * optimizer state) plus the best one (`best`). A run whose `last` checkpoint belongs to the same
 * data and settings resumes from it — weights, Adam moments, RNG, schedule and history — so the
 * loss curve simply continues.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../../datasets/dataset/open-dataset.js';
import { selectBackend, type BackendChoice } from '../../models/backend.js';
import { createModel, fromConfigAndWeights } from '../../models/factory.js';
import { maskedMae, maskedMse } from '../../models/losses.js';
import { createAdamOptimizer } from '../../models/optimizers.js';
import type { ForecastModel } from '../../models/model.js';
import { resolvePath, type LoadedConfig } from '../config/load-config.js';
import { hasCheckpoint, loadCheckpoint, saveCheckpoint, type CheckpointConfig, type CheckpointState, type EpochRecord } from '../checkpoint/checkpoint.js';
import { SplitBatches } from '../train/batches.js';
import { plateauStep, scheduledLr, teacherForcing } from '../train/lr-schedule.js';
import { modelOptionsFor, shapeOf } from '../train/model-options.js';
import { readOptimizerState, restoreOptimizerState } from '../train/optimizer-state.js';
import { trainStep } from '../train/train-step.js';
import { SeededRng } from '../../datasets/rng.js';
import { inputHash } from './hash.js';
import { renderLossCurve } from '../outputs/loss-curve.js';
import { tempNameFor } from '../../datasets/tensors/safetensors-file.js';
import { checkCompatible } from '../checkpoint/compatibility.js';
import { CheckpointError } from '../errors.js';

export type TrainEvent =
  | { type: 'start'; epochs: number; fromEpoch: number; trainSamples: number; valSamples: number; backend: string; batchesPerEpoch: number }
  | { type: 'batch'; epoch: number; epochs: number; batch: number; batches: number; loss: number }
  | { type: 'epoch'; epochs: number; record: EpochRecord; improved: boolean; etaSeconds: number }
  | { type: 'end'; stopped: 'early-stopping' | 'completed'; bestEpoch: number; bestValLoss: number; skipped: boolean };

export interface TrainOptions {
  /** Checkpoint root; default `<out>/checkpoints`. */
  checkpointsDir?: string;
  /** Resume from a matching `last` checkpoint (default true); false starts over. */
  resume?: boolean;
  /**
   * A checkpoint whose weights start a fresh run instead of the seeded initialisation — e.g. one
   * imported from PyTorch by `gridcast convert` (fine-tuning). Its data must fit the dataset and
   * its weights the config's model. Ignored when a matching `last` checkpoint is resumed.
   */
  init?: string;
  onEvent?: (e: TrainEvent) => void;
  /** Checked between batches; training stops with its reason (the last checkpoint stays). */
  signal?: AbortSignal;
  /** Where the backend choice is logged. */
  log?: (line: string) => void;
}

export interface TrainResult {
  /** The best checkpoint (lowest validation loss). */
  best: string;
  /** The last checkpoint. */
  last: string;
  history: EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  /** Epoch the run continued from (0 = fresh). */
  resumedFrom: number;
  /** True when the checkpoints were already complete for these inputs. */
  skipped: boolean;
  backend: string;
}

/** Default checkpoint root of a config. */
export function checkpointsDirOf(loaded: LoadedConfig): string {
  return join(resolvePath(loaded, loaded.config.out), 'checkpoints');
}

/** Hash of everything that makes two training runs the same run (epochs may grow on resume). */
async function runHashOf(loaded: LoadedConfig, ds: Dataset): Promise<string> {
  const { epochs: _e, earlyStoppingPatience: _p, ...train } = loaded.config.train;
  return inputHash({ data: ds.info.provenance?.inputHash ?? ds.info.createdAt, model: loaded.config.model, train, seed: loaded.config.seed, v: 1 });
}

/** Trains (or resumes, or skips) for a loaded config on an ingested dataset. */
export async function train(loaded: LoadedConfig, ds: Dataset, options: TrainOptions = {}): Promise<TrainResult> {
  const c = loaded.config;
  const tc = c.train;
  const root = options.checkpointsDir ?? checkpointsDirOf(loaded);
  const lastDir = join(root, 'last');
  const bestDir = join(root, 'best');
  const emit = options.onEvent ?? (() => {});
  const runHash = await runHashOf(loaded, ds);
  const modelOptions = modelOptionsFor(c, shapeOf(ds.info), loaded.file);

  let state: CheckpointState | null = null;
  let resumeWeights: Parameters<typeof fromConfigAndWeights>[1] | null = null;
  let resumeOpt: Awaited<ReturnType<typeof loadCheckpoint>>['optimizer'];
  if (options.resume !== false && (await hasCheckpoint(lastDir))) {
    const last = await loadCheckpoint(lastDir, true);
    if (last.config.runHash === runHash) {
      state = last.config.training;
      if (state.stopped === 'early-stopping' || state.epoch >= tc.epochs) {
        emit({ type: 'end', stopped: state.stopped ?? 'completed', bestEpoch: state.bestEpoch, bestValLoss: state.bestValLoss, skipped: true });
        return { best: bestDir, last: lastDir, history: state.history, bestEpoch: state.bestEpoch, bestValLoss: state.bestValLoss, resumedFrom: state.epoch, skipped: true, backend: state.backend };
      }
      resumeWeights = last.weights;
      resumeOpt = last.optimizer;
    }
  }

  let initWeights: typeof resumeWeights = null;
  if (!resumeWeights && options.init) {
    const init = await loadCheckpoint(options.init);
    const g = ds.info.grid;
    checkCompatible(init.config.data, { channels: ds.info.channels.map((ch) => ch.name), height: g.height, width: g.width, geotransform: g.geotransform, crs: g.crs, tIn: ds.info.window.tIn, tOut: ds.info.window.tOut }, { checkpoint: options.init, data: ds.dir });
    initWeights = init.weights;
  }

  const selection = await selectBackend(c.backend as BackendChoice, { log: options.log });
  const trainSet = new SplitBatches(ds, 'train');
  const valSet = new SplitBatches(ds, 'val');
  const model: ForecastModel = resumeWeights ? fromConfigAndWeights(modelOptions, resumeWeights) : initWeights ? initModel(modelOptions, initWeights, options.init!) : createModel(modelOptions);
  // The fused native Adam on cpu/wasm with the addon, else tf.train.adam: same numbers, same state.
  const optimizer = createAdamOptimizer(tc.learningRate);
  const lossFn = tc.loss === 'mae' ? maskedMae : maskedMse;
  const encoderDecoder = c.model.kind === 'encoder-decoder';
  const [tIn, C, H, W] = ds.inputShape;
  const [tOut, Co] = ds.targetShape;
  try {
    if (resumeOpt) await restoreOptimizerState(optimizer, resumeOpt);
    const s: CheckpointState = state ?? {
      epoch: 0, bestValLoss: Infinity, bestEpoch: 0, sinceBest: 0, learningRate: tc.learningRate, plateauCount: 0,
      rngState: c.seed ^ 0x9e3779b9, history: [], backend: selection.backend,
    };
    s.backend = selection.backend;
    const rng = new SeededRng(s.rngState);
    const batches = trainSet.batchCount(tc.batchSize);
    emit({ type: 'start', epochs: tc.epochs, fromEpoch: s.epoch, trainSamples: trainSet.samples, valSamples: valSet.samples, backend: `${selection.backend}/${selection.convLstmImpl}`, batchesPerEpoch: batches });
    const resumedFrom = s.epoch;
    const vars = model.trainableVariables();
    while (s.epoch < tc.epochs) {
      const epoch = s.epoch;
      const lr = scheduledLr(tc.schedule, tc.learningRate, epoch, tc.epochs, s.learningRate);
      optimizer.learningRate = lr;
      const tfProb = encoderDecoder ? teacherForcing(tc.scheduledSampling, epoch) : 0;
      const t0 = performance.now();
      let lossSum = 0;
      let seen = 0;
      let b = 0;
      for await (const batch of trainSet.batches(tc.batchSize, rng)) {
        options.signal?.throwIfAborted();
        const loss = tf.tidy(() => {
          const x = tf.tensor5d(batch.inputs, [batch.size, tIn, C, H, W]);
          const y = tf.tensor5d(batch.targets, [batch.size, tOut, Co, H, W]);
          return trainStep(
            () => lossFn(model.predict(x, { training: true, targets: encoderDecoder ? y : undefined, teacherForcingProb: tfProb, rng: rng.next }), y),
            vars, optimizer, tc.clipNorm,
          );
        });
        lossSum += loss * batch.size;
        seen += batch.size;
        emit({ type: 'batch', epoch: epoch + 1, epochs: tc.epochs, batch: ++b, batches, loss });
        // Give the event loop a turn: with cached shards nothing else would run until the epoch
        // ends (no signal handling, no progress output, no lock renewal in a queue worker).
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const seconds = (performance.now() - t0) / 1000;
      const trainLoss = lossSum / Math.max(1, seen);
      const valLoss = valSet.samples ? await evaluateLoss(model, valSet, tc.batchSize, lossFn, [tIn, C, H, W], [tOut, Co]) : trainLoss;
      const improved = valLoss < s.bestValLoss;
      const record: EpochRecord = { epoch: epoch + 1, loss: trainLoss, valLoss, learningRate: lr, seconds, samplesPerSecond: seen / seconds };
      s.history.push(record);
      s.epoch = epoch + 1;
      s.rngState = rng.state;
      if (improved) { s.bestValLoss = valLoss; s.bestEpoch = epoch + 1; s.sinceBest = 0; } else s.sinceBest++;
      const p = plateauStep(tc.schedule, lr, improved, s.plateauCount);
      s.learningRate = p.lr;
      s.plateauCount = p.count;
      const early = tc.earlyStoppingPatience > 0 && s.sinceBest >= tc.earlyStoppingPatience;
      if (early) s.stopped = 'early-stopping';
      else if (s.epoch >= tc.epochs) s.stopped = 'completed';
      const config: CheckpointConfig = {
        format: 'gridcast-checkpoint', version: 1, savedAt: new Date().toISOString(),
        model: model.getConfig() as CheckpointConfig['model'],
        data: {
          channels: ds.info.channels, targetChannels: ds.info.targetChannels, tIn, tOut, height: H, width: W,
          geotransform: ds.info.grid.geotransform, crs: ds.info.grid.crs, timeStepHours: ds.info.timeStepHours,
          normalization: { mean: ds.info.normalization.mean, std: ds.info.normalization.std },
        },
        training: structuredClone(s),
        runHash,
      };
      const weights = model.getWeights();
      if (improved) await saveCheckpoint(bestDir, { config, weights });
      await saveCheckpoint(lastDir, { config, weights, optimizer: await readOptimizerState(optimizer) });
      // The loss curve so far, beside the checkpoints (temporary name, then rename).
      const curve = join(root, 'loss-curve.svg');
      const curveTmp = tempNameFor(curve);
      await writeFile(curveTmp, renderLossCurve(s.history, `${c.name}: training loss`));
      await rename(curveTmp, curve);
      const remaining = tc.epochs - s.epoch;
      emit({ type: 'epoch', epochs: tc.epochs, record, improved, etaSeconds: early ? 0 : remaining * seconds });
      if (early) break;
    }
    emit({ type: 'end', stopped: s.stopped ?? 'completed', bestEpoch: s.bestEpoch, bestValLoss: s.bestValLoss, skipped: false });
    return { best: bestDir, last: lastDir, history: s.history, bestEpoch: s.bestEpoch, bestValLoss: s.bestValLoss, resumedFrom, skipped: false, backend: `${selection.backend}/${selection.convLstmImpl}` };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

/** Mean loss over a split (no teacher forcing, no dropout). */
async function evaluateLoss(
  model: ForecastModel, set: SplitBatches, batchSize: number, lossFn: (p: tf.Tensor, t: tf.Tensor) => tf.Scalar,
  inShape: [number, number, number, number], outShape: [number, number],
): Promise<number> {
  let sum = 0;
  let n = 0;
  const [tIn, C, H, W] = inShape;
  const [tOut, Co] = outShape;
  for await (const batch of set.batches(batchSize)) {
    const l = tf.tidy(() => {
      const x = tf.tensor5d(batch.inputs, [batch.size, tIn, C, H, W]);
      const y = tf.tensor5d(batch.targets, [batch.size, tOut, Co, H, W]);
      return lossFn(model.predict(x), y).dataSync()[0];
    });
    sum += l * batch.size;
    n += batch.size;
  }
  return sum / Math.max(1, n);
}

/** A fresh model carrying an init checkpoint's weights; CheckpointError when they do not fit the config's model. */
function initModel(modelOptions: Parameters<typeof createModel>[0], weights: Parameters<typeof fromConfigAndWeights>[1], file: string): ForecastModel {
  try {
    return fromConfigAndWeights(modelOptions, weights);
  } catch (cause) {
    throw new CheckpointError(`its weights do not fit the config's model section: ${(cause as Error).message}`, { file, cause, expected: 'model settings (kind, hiddenDim, kernelSize, numLayers, returnAllLayers) equal to the checkpoint\'s' });
  }
}

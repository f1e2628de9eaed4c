/**
 * `train` processor: fetch the dataset blobs (verified) into a scratch directory, run pipeline
 * `train` — in a child process (see stage-child.ts) — with checkpoints in the shared store
 * `<checkpoints>/<runId>`, so a retry after a crash or stall, on any worker, resumes from the last
 * epoch; score the best checkpoint on the test split, record the run in the registry, and
 * release the blobs.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TrainEvent } from '../../pipeline/stages/train.js';
import { fetchDataset, releaseDataset } from '../dataset-blobs.js';
import { isTransient, JobPayloadError } from '../job-errors.js';
import type { DatasetFileRef, TrainJobResult, TrainProgress } from '../jobs/job-data.js';
import { validateTrainData } from '../jobs/validate.js';
import { childResult, type JobHandle, type ProcessorContext } from './context.js';
import { isIngestResult } from './ingest.js';
import { runStageChild } from './run-stage-child.js';

/** Shortest interval between batch progress updates, in ms (epoch updates are always sent). */
const BATCH_PROGRESS_MS = 2000;

export async function processTrain(job: JobHandle<unknown>, ctx: ProcessorContext, signal: AbortSignal): Promise<TrainJobResult> {
  const data = validateTrainData(job.data);
  const files = data.dataset ?? (await childResult(job, isIngestResult))?.files;
  if (!files) throw new JobPayloadError('train job has no dataset: neither data.dataset nor an ingest child result');
  const scratch = join(ctx.settings.dirs.work, `train-${data.runId}-${job.id ?? 'local'}`);
  const checkpointsDir = join(ctx.settings.dirs.checkpoints, data.runId);
  try {
    return await trainFetched(job, data, files, scratch, checkpointsDir, ctx, signal);
  } catch (e) {
    // A job that will not run again releases its blobs now rather than at their TTL. A job
    // handed back at shutdown (signal aborted) will run again and keeps them.
    const final = !isTransient(e) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final && !signal.aborted) await releaseDataset(ctx.store, files, `train:${job.id ?? data.runId}`).catch(() => {});
    throw e;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function trainFetched(
  job: JobHandle<unknown>, data: ReturnType<typeof validateTrainData>, files: DatasetFileRef[], scratch: string, checkpointsDir: string,
  ctx: ProcessorContext, signal: AbortSignal,
): Promise<TrainJobResult> {
  const datasetDir = join(scratch, 'dataset');
  await fetchDataset(ctx.store, files, datasetDir, signal);
  signal.throwIfAborted();
  const r = await runStageChild(
    { stage: 'train', config: data.loaded.config, file: data.loaded.file, baseDir: data.loaded.baseDir, datasetDir, checkpointsDir, evaluationFile: join(checkpointsDir, 'evaluation.json') },
    { signal, log: ctx.log, onEvent: progressForwarder(job, ctx.log) },
  );
  signal.throwIfAborted();
  const epochs = r.history.length ? r.history[r.history.length - 1].epoch : 0;
  const result: TrainJobResult = {
    runId: data.runId, checkpoint: `${data.runId}/best`, bestEpoch: r.bestEpoch, bestValLoss: r.bestValLoss,
    epochs, resumedFrom: r.resumedFrom, backend: r.backend, testRmse: r.testRmse,
  };
  await ctx.registry.record({
    runId: data.runId, name: data.loaded.config.name, checkpoint: result.checkpoint, bestValLoss: r.bestValLoss, bestEpoch: r.bestEpoch,
    epochs, testRmse: r.testRmse, backend: r.backend, createdAt: new Date().toISOString(),
  });
  await releaseDataset(ctx.store, files, `train:${job.id ?? data.runId}`);
  ctx.log(`train ${data.runId}: ${epochs} epochs (resumed from ${r.resumedFrom}), best val loss ${r.bestValLoss.toFixed(4)} at epoch ${r.bestEpoch}`);
  return result;
}

/** Train events → `job.updateProgress({ epoch, epochs, loss, valLoss, samplesPerSecond })`, batches throttled. */
function progressForwarder(job: JobHandle<unknown>, log: (line: string) => void): (e: TrainEvent) => void {
  let last = 0;
  let done = 0;
  const send = (p: TrainProgress) => { job.updateProgress(p).catch((err: Error) => log(`progress update failed: ${err.message}`)); };
  return (e) => {
    if (e.type === 'start') {
      done = e.fromEpoch;
      send({ epoch: done, epochs: e.epochs });
    } else if (e.type === 'batch' && Date.now() - last > BATCH_PROGRESS_MS) {
      last = Date.now();
      send({ epoch: done, epochs: e.epochs, loss: e.loss, batch: e.batch, batches: e.batches });
    } else if (e.type === 'epoch') {
      done = e.record.epoch;
      last = Date.now();
      send({ epoch: done, epochs: e.epochs, loss: e.record.loss, valLoss: e.record.valLoss, samplesPerSecond: e.record.samplesPerSecond });
    }
  };
}

/** True when `v` looks like a train result (a flow child's value). */
export function isTrainResult(v: unknown): v is TrainJobResult {
  return typeof v === 'object' && v !== null && typeof (v as TrainJobResult).checkpoint === 'string' && typeof (v as TrainJobResult).bestEpoch === 'number';
}

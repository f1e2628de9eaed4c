/**
 * Queue names, default job options and worker options of the three queues.
 *
 * BullMQ keys are `<prefix>:<queue>:…` (the deployment prefix is BullMQ's own `prefix` option);
 * blobs and the registry live beside them under the same prefix.
 */
import type { JobsOptions, WorkerOptions } from 'bullmq';
import { InvalidOptionError } from '../datasets/errors.js';
import type { QueueKind } from './jobs/job-data.js';

/** The queues, in the order a forecast flows through them. */
export const QUEUE_KINDS: readonly QueueKind[] = ['ingest', 'train', 'predict'];

/** True when `v` names a queue. */
export function isQueueKind(v: unknown): v is QueueKind {
  return typeof v === 'string' && (QUEUE_KINDS as readonly string[]).includes(v);
}

/**
 * Default options of jobs on each queue: a few attempts with exponential backoff (transient
 * failures), completed jobs kept for a day so `gridcast status` can show them.
 */
export function defaultJobOptions(kind: QueueKind): JobsOptions {
  return {
    attempts: kind === 'predict' ? 5 : 3,
    backoff: { type: 'exponential', delay: kind === 'predict' ? 10_000 : 5_000 },
    removeOnComplete: { age: 86_400, count: 1000 },
    removeOnFail: { age: 7 * 86_400, count: 1000 },
  };
}

/** Options of a worker process (see `gridcast worker --help`). */
export interface WorkerTuning {
  /** Jobs processed at once. Default 1 for train (one GPU, one job), 2 otherwise. */
  concurrency?: number;
  /**
   * How long a job's lock lives without renewal, in ms. Default `GRIDCAST_LOCK_DURATION_MS`,
   * else 120 000 for train (a long batch on a busy CPU must not look like a dead worker), 30 000 otherwise.
   */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for, in ms. Default `GRIDCAST_STALLED_INTERVAL_MS`, else 30 000. */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it fails. Default 2. */
  maxStalledCount?: number;
}

/** BullMQ worker options (without connection/prefix) for a queue, with defaults merged and validated. */
export function workerOptionsFor(kind: QueueKind, t: WorkerTuning = {}, env: NodeJS.ProcessEnv = process.env): Omit<WorkerOptions, 'connection'> {
  const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
  const concurrency = t.concurrency ?? (kind === 'train' ? 1 : 2);
  const lockDuration = t.lockDurationMs ?? num(env.GRIDCAST_LOCK_DURATION_MS) ?? (kind === 'train' ? 120_000 : 30_000);
  const stalledInterval = t.stalledIntervalMs ?? num(env.GRIDCAST_STALLED_INTERVAL_MS) ?? 30_000;
  const maxStalledCount = t.maxStalledCount ?? 2;
  for (const [field, v, min] of [['concurrency', concurrency, 1], ['lockDurationMs', lockDuration, 100], ['stalledIntervalMs', stalledInterval, 100], ['maxStalledCount', maxStalledCount, 0]] as const) {
    if (!Number.isInteger(v) || v < min) throw new InvalidOptionError(`${field} must be an integer ≥ ${min}, got ${v}`);
  }
  return { concurrency, lockDuration, stalledInterval, maxStalledCount };
}

/**
 * A BullMQ worker for one queue, around the processor of that stage, with the plumbing every
 * worker process needs: its Redis connections, the blob store and registry, error
 * classification (UnrecoverableError vs retry), a journal of completed jobs, and graceful shutdown.
 *
 * ```ts
 * const w = await startWorker('train', { concurrency: 1 });
 * process.once('SIGTERM', () => w.shutdown());
 * await w.closed;
 * ```
 *
 * Shutdown: new jobs stop being fetched, running ones get their AbortSignal; a processor that
 * stops on it is moved back to `wait` (no attempt used, no job lost) and picked up by another
 * worker — a train job there resumes from its last epoch checkpoint. Jobs that finish first
 * simply complete. A dropped Redis connection is survived: worker connections wait through the
 * outage (`maxRetriesPerRequest: null`) and reconnect with backoff.
 */
import { Worker, WaitingError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createWorkerConnection, type RedisConnectionOptions } from '../redis/connection.js';
import { BlobStore } from '../transport/blob-store.js';
import type { BlobStoreOptions } from '../transport/options.js';
import { classifyJobError } from '../job-errors.js';
import type { QueueKind } from '../jobs/job-data.js';
import { workerOptionsFor, type WorkerTuning } from '../queues.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { resolveSettings, type WorkerSettingsOptions } from '../settings.js';
import type { JobHandle, ProcessorContext } from '../processors/context.js';
import { processIngest } from '../processors/ingest.js';
import { processPredict } from '../processors/predict.js';
import { processTrain } from '../processors/train.js';
import { recordJournal } from './journal.js';

type StageProcessor = (job: JobHandle<unknown>, ctx: ProcessorContext, signal: AbortSignal) => Promise<unknown>;

const PROCESSORS: Record<QueueKind, StageProcessor> = { ingest: processIngest, train: processTrain, predict: processPredict };

/** Options of {@link startWorker}. */
export interface StartWorkerOptions extends WorkerTuning, WorkerSettingsOptions {
  /** Redis connection options (default: `REDIS_URL`). */
  redis?: RedisConnectionOptions;
  /** Blob store options (the prefix comes from the settings). */
  blobs?: Omit<BlobStoreOptions, 'prefix'>;
  /** Log lines (job events, connection events). Default: stderr with a timestamp. */
  log?: (line: string) => void;
}

/** A running worker. */
export interface RunningWorker {
  readonly worker: Worker;
  /** Stop fetching, release or finish running jobs, close connections. Idempotent. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves once `shutdown` finished. */
  readonly closed: Promise<void>;
}

/** Start a worker on the `kind` queue. */
export async function startWorker(kind: QueueKind, options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} [${kind} ${process.pid}] ${line}\n`));
  const settings = resolveSettings(options);
  const tuning = workerOptionsFor(kind, options);
  const redisOpts = { ...options.redis, log: options.redis?.log ?? log };
  const client: Redis = createWorkerConnection({ ...redisOpts, connectionName: `gridcast-${kind}-data` });
  const ctx: ProcessorContext = {
    settings, log,
    store: new BlobStore(client, { ...options.blobs, prefix: settings.prefix }),
    registry: new ModelRegistry(client, settings.prefix),
  };
  let stopping = false;
  const run = PROCESSORS[kind];
  const processor = async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const sig = signal ?? new AbortController().signal;
    log(`job ${job.id} (${job.name}) started, attempt ${job.attemptsMade + 1}`);
    try {
      const result = await run(job as unknown as JobHandle<unknown>, ctx, sig);
      await recordJournal(client, settings.prefix, kind, job.id ?? '?');
      return result;
    } catch (e) {
      if (stopping && sig.aborted && token) {
        // Shutting down: hand the job back untouched (no attempt used) for another worker.
        await job.moveToWait(token);
        log(`job ${job.id} released for another worker (shutdown)`);
        throw new WaitingError();
      }
      const err = classifyJobError(e);
      log(`job ${job.id} failed${err.name === 'UnrecoverableError' ? ' (unrecoverable)' : ''}: ${err.message}`);
      throw err;
    }
  };
  const workerConnection = createWorkerConnection({ ...redisOpts, connectionName: `gridcast-${kind}-worker` });
  const worker = new Worker(kind, processor, { ...tuning, prefix: settings.prefix, connection: workerConnection });
  worker.on('error', (e) => log(`worker error: ${e.message}`));
  worker.on('completed', (job) => log(`job ${job.id} completed`));
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => { resolveClosed = r; });
  let shutting: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') => {
    shutting ??= (async () => {
      stopping = true;
      log(`shutting down (${reason})`);
      worker.cancelAllJobs(reason);
      try {
        await worker.close();
      } finally {
        // BullMQ does not close connections it was given.
        workerConnection.disconnect();
        client.disconnect();
        resolveClosed();
      }
    })();
    return shutting;
  };
  await worker.waitUntilReady();
  log(`worker ready on queue ${settings.prefix}:${kind} (concurrency ${tuning.concurrency}, root ${settings.root})`);
  return { worker, shutdown, closed };
}

/**
 * A forecast pipeline as one BullMQ flow: `predict` waits for `train`, which waits for `ingest`.
 * Children fail their parent (`failParentOnFailure`), so a failed stage fails the whole flow and
 * `gridcast status` can say so. Job ids derive from the run id (`<runId>-ingest|train|predict`),
 * which is the flow's id.
 *
 * ```ts
 * const flows = new FlowProducer({ connection, prefix });
 * const { runId } = await submitForecastFlow(flows, loaded, { prefix });
 * ```
 */
import { randomBytes } from 'node:crypto';
import type { FlowProducer } from 'bullmq';
import type { LoadedConfig } from '../../pipeline/config/load-config.js';
import type { IngestJobData, JobConfig, PredictJobData, QueueKind, TrainJobData } from '../jobs/job-data.js';
import { checkPayloadSize, checkRunId, confine } from '../jobs/validate.js';
import { defaultJobOptions } from '../queues.js';

/** Options of {@link submitForecastFlow}. */
export interface SubmitFlowOptions {
  /** Deployment key prefix. */
  prefix: string;
  /** Run id. Default `run-<UTC time>-<random>`. */
  runId?: string;
  /** Output directory relative to the output root. Default `runs/<runId>`. */
  outDir?: string;
  /** Issue the forecast tOut steps before the end. Default false. */
  hindcast?: boolean;
  /** Issue time (ISO-8601). Default the newest input step. */
  at?: string;
}

/** What was submitted. */
export interface SubmittedFlow {
  runId: string;
  /** Job id of each stage. */
  jobs: Record<QueueKind, string>;
}

/** A new run id: sortable by time, unique. */
export function newRunId(now = new Date()): string {
  return `run-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

/** The job id of a run's stage. */
export function jobIdOf(runId: string, kind: QueueKind): string {
  return `${runId}-${kind}`;
}

/** The small JSON form of a loaded config carried by every job. */
export function jobConfigOf(loaded: LoadedConfig): JobConfig {
  return { config: loaded.config, baseDir: loaded.baseDir, file: loaded.file };
}

/** Enqueue ingest → train → predict for `loaded` as one flow. */
export async function submitForecastFlow(flows: FlowProducer, loaded: LoadedConfig, o: SubmitFlowOptions): Promise<SubmittedFlow> {
  const runId = checkRunId(o.runId ?? newRunId());
  const outDir = o.outDir ?? `runs/${runId}`;
  confine('/', outDir, 'outDir');
  const job = jobConfigOf(loaded);
  const ingest: IngestJobData = { v: 1, runId, job };
  const train: TrainJobData = { v: 1, runId, job };
  const predict: PredictJobData = {
    v: 1, runId, job, checkpoint: { from: 'flow' }, outDir,
    ...(o.hindcast ? { hindcast: true } : {}), ...(o.at ? { at: o.at } : {}),
  };
  for (const d of [ingest, train, predict]) checkPayloadSize(d);
  const jobs = { ingest: jobIdOf(runId, 'ingest'), train: jobIdOf(runId, 'train'), predict: jobIdOf(runId, 'predict') };
  const child = (kind: QueueKind) => ({ ...defaultJobOptions(kind), jobId: jobs[kind], failParentOnFailure: true });
  await flows.add({
    name: 'predict', queueName: 'predict', prefix: o.prefix, data: predict,
    opts: { ...defaultJobOptions('predict'), jobId: jobs.predict },
    children: [{
      name: 'train', queueName: 'train', prefix: o.prefix, data: train, opts: child('train'),
      children: [{ name: 'ingest', queueName: 'ingest', prefix: o.prefix, data: ingest, opts: child('ingest') }],
    }],
  });
  return { runId, jobs };
}

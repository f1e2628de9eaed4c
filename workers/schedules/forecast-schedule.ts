/**
 * Scheduled batch forecasts as BullMQ job schedulers on the `predict` queue. Each run forecasts
 * from the newest input window the config's source globs name (pipeline predict reads the newest
 * `tIn` steps straight from the files, so the "ingest" of a scheduled run is that read) with the
 * registry's production model. A run whose inputs are not there yet fails with MissingInputError
 * and is retried with exponential backoff; pipeline predict writes atomically, so no partial output.
 *
 * ```ts
 * await upsertForecastSchedule(predictQueue, loaded, { name: 'storms-6h', pattern: '0 *\/6 * * *', tz: 'UTC' });
 * ```
 * Upserting is idempotent: the same name replaces the scheduler, never adds a second one.
 */
import type { JobSchedulerJson, Queue } from 'bullmq';
import { InvalidOptionError } from '../../datasets/errors.js';
import type { LoadedConfig } from '../../pipeline/config/load-config.js';
import { jobConfigOf } from '../flows/submit-flow.js';
import type { PredictJobData } from '../jobs/job-data.js';
import { checkPayloadSize, confine } from '../jobs/validate.js';
import { checkScheduledIssue, type ScheduledIssue } from './issue-time.js';

/** Options of {@link upsertForecastSchedule}. */
export interface ForecastScheduleOptions {
  /** Scheduler name. Default: the config's `name`. */
  name?: string;
  /** Cron pattern (5 fields, or 6 with seconds first). */
  pattern: string;
  /** IANA time zone of the pattern. Default 'UTC'. */
  tz?: string;
  /** Output directory relative to the output root. Default `schedules/<name>`. */
  outDir?: string;
  /** Attempts per run (missing inputs are retried). Default 6. */
  attempts?: number;
  /** First retry delay in ms, doubling. Default 60 000. */
  backoffMs?: number;
  /**
   * Issue each run at the newest input step at least `lagHours` before it was due (missing
   * inputs then fail the run and it is retried). Default: the newest step present in the files.
   */
  issue?: ScheduledIssue;
}

/** Register (or replace) the scheduler; returns its name. */
export async function upsertForecastSchedule(queue: Queue, loaded: LoadedConfig, o: ForecastScheduleOptions): Promise<string> {
  const name = o.name ?? loaded.config.name;
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name)) throw new InvalidOptionError(`schedule name must be 1-100 characters of A-Z a-z 0-9 _ . -, got '${name}'`);
  const fields = o.pattern.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) throw new InvalidOptionError(`cron pattern must have 5 or 6 fields, got '${o.pattern}'`);
  const outDir = o.outDir ?? `schedules/${name}`;
  confine('/', outDir, 'outDir');
  const data: PredictJobData = {
    v: 1, job: jobConfigOf(loaded), checkpoint: { from: 'production' }, outDir,
    ...(o.issue ? { issue: checkScheduledIssue(o.issue) } : {}),
  };
  checkPayloadSize(data);
  await queue.upsertJobScheduler(name, { pattern: o.pattern, tz: o.tz ?? 'UTC' }, {
    name: 'scheduled-predict',
    data,
    opts: {
      attempts: o.attempts ?? 6,
      backoff: { type: 'exponential', delay: o.backoffMs ?? 60_000 },
      removeOnComplete: { age: 7 * 86_400, count: 1000 },
      removeOnFail: { age: 30 * 86_400, count: 1000 },
    },
  });
  return name;
}

/** The registered schedulers. */
export async function listForecastSchedules(queue: Queue): Promise<JobSchedulerJson[]> {
  return queue.getJobSchedulers(0, -1, true);
}

/** Remove a scheduler; false when there was none of that name. */
export async function removeForecastSchedule(queue: Queue, name: string): Promise<boolean> {
  return queue.removeJobScheduler(name);
}

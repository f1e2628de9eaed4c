/**
 * `predict` processor: resolve the checkpoint (the flow's train child, the registry's production
 * model, or a named run), then pipeline `predict` into a directory confined under the output
 * root. The stage runs in a child process (see stage-child.ts): a forecast over a large grid is
 * seconds to minutes of synchronous compute, during which this worker must keep renewing its job
 * lock. Missing inputs fail with MissingInputError (its kind survives the process boundary), which
 * is retried later; pipeline predict writes atomically, so a failed run leaves no partial output.
 */
import { join, relative } from 'node:path';
import { JobPayloadError } from '../job-errors.js';
import { UnknownRunError } from '../registry/model-registry.js';
import type { PredictJobData, PredictJobResult } from '../jobs/job-data.js';
import { confine, validatePredictData } from '../jobs/validate.js';
import { childResult, type JobHandle, type ProcessorContext } from './context.js';
import { runStageChild } from './run-stage-child.js';
import { isTrainResult } from './train.js';
import { scheduledIssueTime } from '../schedules/issue-time.js';

/** The checkpoint a predict job uses, relative to the checkpoint root. */
async function checkpointOf(job: JobHandle<unknown>, data: PredictJobData & { loaded: { config: { name: string } } }, ctx: ProcessorContext): Promise<string> {
  const c = data.checkpoint;
  if (c.from === 'flow') {
    const r = await childResult(job, isTrainResult);
    if (!r) throw new JobPayloadError("checkpoint.from is 'flow' but the job has no train child result");
    return r.checkpoint;
  }
  if (c.from === 'run') {
    const r = await ctx.registry.get(c.runId);
    if (!r) throw new UnknownRunError(`no registered run '${c.runId}'`);
    return r.checkpoint;
  }
  return (await ctx.registry.production(data.loaded.config.name)).checkpoint;
}

export async function processPredict(job: JobHandle<unknown>, ctx: ProcessorContext, signal: AbortSignal): Promise<PredictJobResult> {
  const data = validatePredictData(job.data);
  const { outputs, checkpoints } = ctx.settings.dirs;
  const out = confine(outputs, data.outDir, 'outDir');
  const rel = await checkpointOf(job, data, ctx);
  const checkpoint = confine(checkpoints, rel, 'checkpoint');
  signal.throwIfAborted();
  // Forecasts land in <out>/forecasts/<name>_<issue time>, as in embedded mode.
  const config = { ...data.loaded.config, out };
  const at = data.issue ? scheduledIssueTime(job.opts.prevMillis ?? job.timestamp, data.issue) : data.at;
  const r = await runStageChild(
    { stage: 'predict', config, file: data.loaded.file, baseDir: data.loaded.baseDir, checkpoint, hindcast: data.hindcast, at },
    { signal, log: ctx.log },
  );
  ctx.log(`predict: ${r.files.length} files in ${r.dir} (issue time ${r.issueTime}, checkpoint ${rel})`);
  return { dir: relative(outputs, r.dir), files: r.files.map((f) => relative(outputs, join(r.dir, f.file))), issueTime: r.issueTime, checkpoint: rel };
}

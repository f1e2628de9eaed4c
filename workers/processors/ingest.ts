/**
 * `ingest` processor: pipeline `ingest` into a scratch directory, then publish the dataset's
 * files (shards, dataset.json, climatology) as checksummed blobs with one reference for the
 * train job that will consume them.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ingest } from '../../pipeline/stages/ingest.js';
import { publishDataset } from '../dataset-blobs.js';
import type { IngestJobResult } from '../jobs/job-data.js';
import { validateIngestData } from '../jobs/validate.js';
import type { JobHandle, ProcessorContext } from './context.js';

export async function processIngest(job: JobHandle<unknown>, ctx: ProcessorContext, signal: AbortSignal): Promise<IngestJobResult> {
  const data = validateIngestData(job.data);
  const scratch = join(ctx.settings.dirs.work, `ingest-${data.runId}-${job.id ?? 'local'}`);
  try {
    signal.throwIfAborted();
    const r = await ingest(data.loaded, { datasetDir: join(scratch, 'dataset'), force: true, signal });
    signal.throwIfAborted();
    const files = await publishDataset(ctx.store, r.dataset.dir, { refs: 1, signal });
    const s = r.dataset.info.splits;
    ctx.log(`ingest ${data.runId}: ${files.length} files published (${s.train.samples}/${s.val.samples}/${s.test.samples} samples)`);
    return { runId: data.runId, files, inputHash: r.hash, samples: { train: s.train.samples, val: s.val.samples, test: s.test.samples } };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** True when `v` looks like an ingest result (a flow child's value). */
export function isIngestResult(v: unknown): v is IngestJobResult {
  return typeof v === 'object' && v !== null && Array.isArray((v as IngestJobResult).files) && typeof (v as IngestJobResult).inputHash === 'string';
}

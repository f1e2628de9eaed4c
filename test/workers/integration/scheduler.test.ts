/**
 * Scheduled forecasts: a scheduler registered twice exists once; its runs (a per-second pattern
 * here) happen at the pattern's times and forecast with the production model; a forecast whose
 * inputs are not there fails with MissingInput, is retried with backoff, and writes nothing.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { ingest } from '../../../pipeline/stages/ingest.js';
import { train } from '../../../pipeline/stages/train.js';
import type { LoadedConfig } from '../../../pipeline/config/load-config.js';
import type { Producers } from '../../../workers/flows/queues-handle.js';
import { jobConfigOf } from '../../../workers/flows/submit-flow.js';
import { listForecastSchedules, removeForecastSchedule, upsertForecastSchedule } from '../../../workers/schedules/forecast-schedule.js';
import { ModelRegistry } from '../../../workers/registry/model-registry.js';
import type { PredictJobData, PredictJobResult } from '../../../workers/jobs/job-data.js';
import { tinyConfig } from './tiny-config.js';
import { openIntegrationEnv, waitFor, WorkerFleet, type IntegrationEnv } from './harness.js';

describe('scheduled forecasts', () => {
  let env: IntegrationEnv;
  let prefix: string;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  let client: Redis;
  let loaded: LoadedConfig;

  beforeAll(async () => {
    env = await openIntegrationEnv('sched');
    ({ prefix, root, dataDir, fleet, producers, client } = env);
    // A production model: trained here (embedded), registered as a run.
    loaded = await tinyConfig(dataDir, { epochs: 1 });
    const ds = (await ingest(loaded, { datasetDir: join(dataDir, 'dataset') })).dataset;
    const r = await train(loaded, ds, { checkpointsDir: join(root, 'checkpoints', 'seed-run') });
    await new ModelRegistry(client, prefix).record({
      runId: 'seed-run', name: loaded.config.name, checkpoint: 'seed-run/best', bestValLoss: r.bestValLoss, bestEpoch: r.bestEpoch,
      epochs: 1, testRmse: null, backend: r.backend, createdAt: new Date().toISOString(),
    });
    await fleet.start('predict', ['--concurrency', '1']);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('exists once and runs at the pattern times with the production model', async () => {
    const q = producers.queues.predict;
    const opts = { name: 'every-2s', pattern: '*/2 * * * * *', tz: 'UTC' };
    await upsertForecastSchedule(q, loaded, opts);
    await upsertForecastSchedule(q, loaded, opts);
    const list = await listForecastSchedules(q);
    expect(list.map((s) => s.key)).toEqual(['every-2s']);

    const runs = await waitFor(async () => {
      const done = await q.getJobs(['completed']);
      return done.length >= 3 ? done : null;
    }, 90_000, 'three scheduled runs', () => fleet.logs());
    expect(await removeForecastSchedule(q, 'every-2s')).toBe(true);
    expect(await listForecastSchedules(q)).toEqual([]);

    // Each run was due at a 2-second boundary, at distinct times at least 2 s apart.
    // A scheduler's job id is `repeat:<name>:<due time in ms>`; none ran before it was due.
    for (const j of runs) expect(j.processedOn!).toBeGreaterThanOrEqual(Number(j.id!.split(':').pop()));
    const due = runs.map((j) => Number(j.id!.split(':').pop())).sort((a, b) => a - b);
    for (const t of due) expect(t % 2000).toBe(0);
    for (let i = 1; i < due.length; i++) expect(due[i] - due[i - 1]).toBeGreaterThanOrEqual(2000);
    for (const j of runs) {
      const r = j.returnvalue as PredictJobResult;
      expect(r.checkpoint).toBe('seed-run/best');
      for (const f of r.files) expect((await stat(join(root, 'outputs', f))).size).toBeGreaterThan(0);
      expect(r.dir.startsWith('schedules/every-2s/forecasts/')).toBe(true);
    }
  });

  it('retries a forecast whose inputs are not there yet and writes nothing', async () => {
    const q = producers.queues.predict;
    const data: PredictJobData = { v: 1, job: jobConfigOf(loaded), checkpoint: { from: 'production' }, outDir: 'future', at: '2031-01-01T00:00:00Z' };
    const job = await q.add('predict', data, { attempts: 2, backoff: { type: 'exponential', delay: 300 } });
    const failed = await waitFor(async () => {
      // State first, then the job: a job read before it failed has no failedReason yet.
      if ((await q.getJobState(job.id!)) !== 'failed') return null;
      return q.getJob(job.id!);
    }, 60_000, 'the forecast to fail', () => fleet.logs());
    expect(failed.failedReason).toMatch(/no input time step at 2031-01-01/);
    expect(failed.attemptsMade).toBe(2); // transient: retried
    expect(await readdir(join(root, 'outputs', 'future')).catch(() => null)).toBeNull();
  });

  it('a scheduled run whose inputs are not there yet fails with the reason and is retried', async () => {
    const q = producers.queues.predict;
    // Due now (2026+), issue on the 6-hourly step before: the synthetic data end in 2024.
    await upsertForecastSchedule(q, loaded, { name: 'late-inputs', pattern: '*/2 * * * * *', issue: { stepHours: 6, lagHours: 1 }, attempts: 2, backoffMs: 200 });
    const failed = await waitFor(async () => {
      const f = (await q.getJobs(['failed'])).filter((j) => j.id?.startsWith('repeat:late-inputs:'));
      return f.length ? f[0] : null;
    }, 60_000, 'a failed scheduled run', () => fleet.logs());
    await removeForecastSchedule(q, 'late-inputs');
    expect(failed.failedReason).toMatch(/no input time step at 20\d\d-\d\d-\d\dT(00|06|12|18):00:00Z/);
    expect(failed.attemptsMade).toBe(2);
    expect(await readdir(join(root, 'outputs', 'schedules', 'late-inputs')).catch(() => null)).toBeNull();
  });

  it('rejects output paths that leave the output root, without retry', async () => {
    const q = producers.queues.predict;
    const data: PredictJobData = { v: 1, job: jobConfigOf(loaded), checkpoint: { from: 'production' }, outDir: '../escape' };
    const job = await q.add('predict', data, { attempts: 3 });
    const failed = await waitFor(async () => {
      // State first, then the job: a job read before it failed has no failedReason yet.
      if ((await q.getJobState(job.id!)) !== 'failed') return null;
      return q.getJob(job.id!);
    }, 60_000, 'the job to fail', () => fleet.logs());
    expect(failed.failedReason).toMatch(/JobPayload|PathEscape/);
    expect(failed.attemptsMade).toBe(1);
    expect(await stat(join(root, 'escape')).catch(() => null)).toBeNull();
  });
});

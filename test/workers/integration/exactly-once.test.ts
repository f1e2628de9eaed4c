/**
 * Two train jobs and four predict jobs spread over two worker processes per queue: every job
 * completes, and the journal (one entry per processor completion) lists each exactly once.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Producers } from '../../../workers/flows/queues-handle.js';
import { jobConfigOf, submitForecastFlow } from '../../../workers/flows/submit-flow.js';
import { getFlowStatus } from '../../../workers/flows/flow-status.js';
import { readJournal } from '../../../workers/process/journal.js';
import { defaultJobOptions } from '../../../workers/queues.js';
import type { PredictJobData, PredictJobResult } from '../../../workers/jobs/job-data.js';
import { tinyConfig } from './tiny-config.js';
import { openIntegrationEnv, waitFor, WorkerFleet, type IntegrationEnv } from './harness.js';

describe('jobs over several worker processes', () => {
  let env: IntegrationEnv;
  let prefix: string;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  let client: Redis;

  beforeAll(async () => {
    // A short lock: training runs in a child process, so the worker renews its lock while an
    // epoch computes; in-process CPU training would starve the event loop and look stalled.
    env = await openIntegrationEnv('once', { GRIDCAST_LOCK_DURATION_MS: '1000', GRIDCAST_STALLED_INTERVAL_MS: '500' });
    ({ prefix, root, dataDir, fleet, producers, client } = env);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('loses nothing and does nothing twice', async () => {
    const loaded = await tinyConfig(dataDir, { epochs: 4 });
    await Promise.all([
      fleet.start('ingest'),
      fleet.start('train'), fleet.start('train'),
      fleet.start('predict', ['--concurrency', '1']), fleet.start('predict', ['--concurrency', '1']),
    ]);
    const flows = [
      await submitForecastFlow(producers.flows, loaded, { prefix, hindcast: true }),
      await submitForecastFlow(producers.flows, loaded, { prefix }),
    ];
    for (const f of flows) {
      const s = await waitFor(async () => {
        const st = await getFlowStatus(producers.queues, f.runId);
        return st.state === 'completed' || st.state === 'failed' ? st : null;
      }, 300_000, `flow ${f.runId}`, () => fleet.logs());
      expect(s.state, fleet.logs()).toBe('completed');
    }
    // Two more forecasts, one from each trained run.
    const extra = await Promise.all(flows.map((f, i) => {
      const data: PredictJobData = { v: 1, job: jobConfigOf(loaded), checkpoint: { from: 'run', runId: f.runId }, outDir: `extra/${i}`, hindcast: true };
      return producers.queues.predict.add('predict', data, defaultJobOptions('predict'));
    }));
    const results = await Promise.all(extra.map((j) => waitFor(async () => {
      const state = await j.getState();
      if (state === 'failed') throw new Error(`extra predict failed: ${(await producers.queues.predict.getJob(j.id!))?.failedReason}`);
      return state === 'completed' ? (await producers.queues.predict.getJob(j.id!))!.returnvalue as PredictJobResult : null;
    }, 120_000, 'extra predictions', () => fleet.logs())));
    for (const r of results) for (const f of r.files) expect((await stat(join(root, 'outputs', f))).size).toBeGreaterThan(0);

    const expected = {
      ingest: flows.map((f) => f.jobs.ingest),
      train: flows.map((f) => f.jobs.train),
      predict: [...flows.map((f) => f.jobs.predict), ...extra.map((j) => j.id!)],
    };
    for (const [queue, ids] of Object.entries(expected)) {
      const done = (await readJournal(client, prefix, queue)).map((d) => d.id);
      expect([...done].sort(), `${queue} journal`).toEqual([...ids].sort()); // each exactly once
      for (const id of ids) {
        const job = await producers.queues[queue as 'train'].getJob(id);
        expect(await job!.getState()).toBe('completed');
        expect(job!.attemptsMade).toBe(1);
      }
    }
    expect(expected.train.length).toBe(2);
    expect(expected.predict.length).toBe(4);
  });
});

/**
 * SIGTERM to a train worker mid-training: the worker hands the job back to the queue (no attempt
 * used), exits cleanly, and the next worker resumes from the last epoch checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Producers } from '../../../workers/flows/queues-handle.js';
import { submitForecastFlow } from '../../../workers/flows/submit-flow.js';
import { getFlowStatus } from '../../../workers/flows/flow-status.js';
import type { TrainJobResult, TrainProgress } from '../../../workers/jobs/job-data.js';
import { tinyConfig } from './tiny-config.js';
import { openIntegrationEnv, waitFor, WorkerFleet, type IntegrationEnv } from './harness.js';

const EPOCHS = 10;

describe('graceful shutdown of a train worker', () => {
  let env: IntegrationEnv;
  let prefix: string;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  let client: Redis;

  beforeAll(async () => {
    env = await openIntegrationEnv('sigterm');
    ({ prefix, root, dataDir, fleet, producers, client } = env);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('releases the job on SIGTERM and the next worker resumes it', async () => {
    const loaded = await tinyConfig(dataDir, { epochs: EPOCHS });
    await Promise.all([fleet.start('ingest'), fleet.start('predict')]);
    const first = await fleet.start('train');
    const { runId, jobs } = await submitForecastFlow(producers.flows, loaded, { prefix });
    await waitFor(async () => {
      const p = (await Job.fromId(producers.queues.train, jobs.train))?.progress as TrainProgress | undefined;
      return p && typeof p === 'object' && p.epoch >= 1;
    }, 180_000, 'the first epoch', () => fleet.logs());
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code, first.log()).toBe(0);
    expect(first.log()).toMatch(/released for another worker/);
    const job = await Job.fromId(producers.queues.train, jobs.train);
    expect(await job!.getState()).toBe('waiting');

    await fleet.start('train');
    const final = await waitFor(async () => {
      const s = await getFlowStatus(producers.queues, runId);
      return s.state === 'completed' || s.state === 'failed' ? s : null;
    }, 300_000, 'the flow to finish', () => fleet.logs());
    expect(final.state, fleet.logs()).toBe('completed');
    const train = final.stages.find((s) => s.kind === 'train')!;
    expect((train.returnvalue as TrainJobResult).resumedFrom).toBeGreaterThanOrEqual(1);
    expect(train.attemptsMade).toBe(1);
  });
});

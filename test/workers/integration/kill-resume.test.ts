/**
 * kill -9 of the train worker after its first epoch checkpoint: BullMQ's stalled-job check
 * (short lockDuration/stalledInterval here) hands the job to a new worker process, which resumes
 * from the last checkpoint in the shared store (fewer epochs re-run than completed) and finishes.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Producers } from '../../../workers/flows/queues-handle.js';
import { submitForecastFlow } from '../../../workers/flows/submit-flow.js';
import { getFlowStatus } from '../../../workers/flows/flow-status.js';
import { readJournal } from '../../../workers/process/journal.js';
import type { TrainJobResult, TrainProgress } from '../../../workers/jobs/job-data.js';
import { tinyConfig } from './tiny-config.js';
import { openIntegrationEnv, waitFor, WorkerFleet, type IntegrationEnv } from './harness.js';

const EPOCHS = 12;

describe('train worker killed with SIGKILL', () => {
  let env: IntegrationEnv;
  let prefix: string;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  let client: Redis;

  beforeAll(async () => {
    env = await openIntegrationEnv('kill', { GRIDCAST_LOCK_DURATION_MS: '4000', GRIDCAST_STALLED_INTERVAL_MS: '1500' });
    ({ prefix, root, dataDir, fleet, producers, client } = env);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('is picked up again and resumes from the last checkpoint', async () => {
    const loaded = await tinyConfig(dataDir, { epochs: EPOCHS });
    await Promise.all([fleet.start('ingest'), fleet.start('predict')]);
    const first = await fleet.start('train');
    const { runId, jobs } = await submitForecastFlow(producers.flows, loaded, { prefix });

    const atKill = await waitFor(async () => {
      const p = (await Job.fromId(producers.queues.train, jobs.train))?.progress as TrainProgress | undefined;
      return p && typeof p === 'object' && p.epoch >= 1 ? p.epoch : 0;
    }, 180_000, 'the first epoch checkpoint', () => fleet.logs());
    // The training child of the killed worker must stop too (no trainer left writing checkpoints).
    const orphans = execFileSync('ps', ['-o', 'pid=', '--ppid', String(first.pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
    expect(orphans.length).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(atKill).toBeLessThan(EPOCHS);

    await fleet.start('train');
    const final = await waitFor(async () => {
      const s = await getFlowStatus(producers.queues, runId);
      return s.state === 'completed' || s.state === 'failed' ? s : null;
    }, 300_000, 'the flow to finish', () => fleet.logs());
    expect(final.state, fleet.logs()).toBe('completed');

    const train = final.stages.find((s) => s.kind === 'train')!;
    const result = train.returnvalue as TrainJobResult;
    expect(result.epochs).toBe(EPOCHS);
    // Resumed from at least the epoch the killed worker had reported: fewer epochs re-run than completed.
    expect(result.resumedFrom).toBeGreaterThanOrEqual(atKill);
    expect(EPOCHS - result.resumedFrom).toBeLessThan(EPOCHS);
    // Stalled-job recovery, not a failed attempt; completed once.
    expect(train.attemptsMade).toBeLessThanOrEqual(1);
    const done = await readJournal(client, prefix, 'train');
    expect(done.map((d) => d.id)).toEqual([jobs.train]);
    expect(done[0].pid).not.toBe(first.pid);
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    await waitFor(() => orphans.every((pid) => !alive(pid)), 30_000, 'the orphaned training process to stop');
  });
});

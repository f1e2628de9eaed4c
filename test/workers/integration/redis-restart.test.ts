/**
 * A test-owned redis-server (appendonly) restarted in the middle of a flow: the worker processes
 * reconnect and the flow completes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'bullmq';
import { openProducers, type Producers } from '../../../workers/flows/queues-handle.js';
import { submitForecastFlow } from '../../../workers/flows/submit-flow.js';
import { getFlowStatus, type FlowStatus } from '../../../workers/flows/flow-status.js';
import type { TrainProgress } from '../../../workers/jobs/job-data.js';
import { startRedisServer, uniquePrefix, type TestRedisServer } from '../redis/redis-server.js';
import { tinyConfig } from './tiny-config.js';
import { waitFor, WorkerFleet } from './harness.js';

describe('Redis restarted mid-flow', () => {
  let server: TestRedisServer;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  const prefix = uniquePrefix('restart');

  beforeAll(async () => {
    server = await startRedisServer({ persistence: true });
    root = await mkdtemp(join(tmpdir(), 'gridcast-restart-root-'));
    dataDir = await mkdtemp(join(tmpdir(), 'gridcast-restart-data-'));
    fleet = new WorkerFleet({ redisUrl: server.url, prefix, root });
    producers = openProducers(prefix, { url: server.url });
  });

  afterAll(async () => {
    await fleet?.stopAll();
    await producers?.close().catch(() => {});
    await server?.stop();
    await rm(root, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  it('workers reconnect and the flow completes', async () => {
    const loaded = await tinyConfig(dataDir, { epochs: 8 });
    await Promise.all([fleet.start('ingest'), fleet.start('train'), fleet.start('predict')]);
    const { runId, jobs } = await submitForecastFlow(producers.flows, loaded, { prefix });
    await waitFor(async () => {
      const p = (await Job.fromId(producers.queues.train, jobs.train))?.progress as TrainProgress | undefined;
      return p && typeof p === 'object' && p.epoch >= 1;
    }, 180_000, 'training to be under way', () => fleet.logs());

    await server.restart();

    // Producer commands may fail while the server is away: poll through errors.
    const final = await waitFor<FlowStatus | null>(async () => {
      try {
        const s = await getFlowStatus(producers.queues, runId);
        return s.state === 'completed' || s.state === 'failed' ? s : null;
      } catch { return null; }
    }, 300_000, 'the flow to finish', () => fleet.logs());
    expect(final.state, `${JSON.stringify(final)}\n${fleet.logs()}`).toBe('completed');
    expect(fleet.logs()).toMatch(/reconnecting/);
    expect(fleet.procs.every((p) => p.child.exitCode === null)).toBe(true);
  });
});

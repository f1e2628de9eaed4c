/**
 * A tensor chunk corrupted in Redis between ingest and train is caught by its SHA-256: the train
 * job fails at once (unrecoverable, no retry) with the checksum as its reason, the flow fails,
 * and `gridcast status` exits 1.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { BlobStore } from '../../../workers/transport/blob-store.js';
import type { Producers } from '../../../workers/flows/queues-handle.js';
import { submitForecastFlow } from '../../../workers/flows/submit-flow.js';
import { getFlowStatus } from '../../../workers/flows/flow-status.js';
import type { IngestJobResult } from '../../../workers/jobs/job-data.js';
import { tinyConfig } from './tiny-config.js';
import { openIntegrationEnv, waitFor, WorkerFleet, type IntegrationEnv } from './harness.js';

describe('corrupted tensor chunk', () => {
  let url: string;
  let env: IntegrationEnv;
  let prefix: string;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  let client: Redis;

  beforeAll(async () => {
    env = await openIntegrationEnv('corrupt');
    ({ prefix, root, dataDir, fleet, producers, client } = env);
    url = env.url;
  });

  afterAll(async () => {
    await env?.close();
  });

  it('fails the train job with the checksum reason, without retry', async () => {
    const loaded = await tinyConfig(dataDir, { epochs: 1 });
    await fleet.start('ingest');
    const { runId, jobs } = await submitForecastFlow(producers.flows, loaded, { prefix });
    const ingest = await waitFor(async () => {
      if ((await producers.queues.ingest.getJobState(jobs.ingest)) !== 'completed') return null;
      return (await Job.fromId(producers.queues.ingest, jobs.ingest))!.returnvalue as IngestJobResult;
    }, 120_000, 'ingest to complete', () => fleet.logs());

    // Flip one byte of the first chunk of a shard.
    const shard = ingest.files.find((f) => f.path.endsWith('.safetensors') && f.path.includes('train'))!;
    const key = `${prefix}:blob:${shard.ref.id}:0`;
    const byte = (await client.getrangeBuffer(key, 100, 100))[0];
    await client.setrange(key, 100, Buffer.from([byte ^ 0xff]));

    await fleet.start('train');
    const final = await waitFor(async () => {
      const s = await getFlowStatus(producers.queues, runId);
      return s.stages[1].state === 'failed' ? s : null;
    }, 120_000, 'the train job to fail', () => fleet.logs());
    const train = final.stages[1];
    expect(train.failedReason).toMatch(/Checksum/);
    expect(train.failedReason).toMatch(/SHA-256 mismatch/);
    expect(train.failedReason).toContain(shard.ref.id);
    expect(train.attemptsMade).toBe(1); // unrecoverable: no retry although attempts is 3
    expect(final.state).toBe('failed');
    // The failed consumer released its blobs (no waiting for their TTL).
    expect(await new BlobStore(client, { prefix }).usage()).toEqual({ bytes: 0, blobs: 0 });
    // Nothing was trained from the corrupt data.
    expect(await readdir(join(root, 'checkpoints')).catch(() => [])).toEqual([]);

    const repo = resolve(import.meta.dirname, '..', '..', '..');
    const status = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/gridcast.ts', 'status', runId], {
      cwd: repo, env: { ...process.env, REDIS_URL: url, GRIDCAST_PREFIX: prefix },
    }).then(() => ({ code: 0, stdout: '' }), (e: { code: number; stdout: string }) => e);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(/train\s+failed.*Checksum/);
  });
});

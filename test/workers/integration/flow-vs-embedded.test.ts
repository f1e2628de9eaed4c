/**
 * A forecast submitted as a flow and run by real worker processes (ingest, train, predict) writes
 * GeoTIFFs byte-for-byte identical to the embedded pipeline with the same config, seed and
 * backend; progress is forwarded; the dataset blobs are released; the run is registered.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { runPipeline } from '../../../pipeline/run.js';
import { validateConfig, type LoadedConfig } from '../../../pipeline/config/load-config.js';
import { BlobStore } from '../../../workers/transport/blob-store.js';
import type { Producers } from '../../../workers/flows/queues-handle.js';
import { submitForecastFlow } from '../../../workers/flows/submit-flow.js';
import { getFlowStatus } from '../../../workers/flows/flow-status.js';
import { ModelRegistry } from '../../../workers/registry/model-registry.js';
import { tinyConfig } from './tiny-config.js';
import { openIntegrationEnv, waitFor, WorkerFleet, type IntegrationEnv } from './harness.js';

describe('flow vs embedded', () => {
  let url: string;
  let env: IntegrationEnv;
  let prefix: string;
  let root: string;
  let dataDir: string;
  let fleet: WorkerFleet;
  let producers: Producers;
  let client: Redis;
  let loaded: LoadedConfig;

  beforeAll(async () => {
    env = await openIntegrationEnv('flow');
    ({ prefix, root, dataDir, fleet, producers, client } = env);
    url = env.url;
    loaded = await tinyConfig(dataDir, { epochs: 2 });
    await Promise.all([fleet.start('ingest'), fleet.start('train'), fleet.start('predict')]);
  });

  afterAll(async () => {
    await env?.close();
  });

  it('produces the same GeoTIFF bytes as runPipeline', async () => {
    const { runId, jobs } = await submitForecastFlow(producers.flows, loaded, { prefix, hindcast: true });
    const final = await waitFor(async () => {
      const s = await getFlowStatus(producers.queues, runId);
      return s.state === 'completed' || s.state === 'failed' ? s : null;
    }, 240_000, 'the flow to finish', () => fleet.logs());
    expect(final.state, `${JSON.stringify(final, null, 1)}\n${fleet.logs()}`).toBe('completed');

    const train = await Job.fromId(producers.queues.train, jobs.train);
    expect(train!.progress).toMatchObject({ epoch: 2, epochs: 2 });
    expect((train!.progress as { valLoss: number }).valLoss).toBeGreaterThan(0);

    // The consumer released every dataset blob.
    const store = new BlobStore(client, { prefix });
    expect(await store.usage()).toEqual({ bytes: 0, blobs: 0 });

    const reg = new ModelRegistry(client, prefix);
    expect((await reg.production(loaded.config.name)).runId).toBe(runId);

    // The same config, embedded, into another directory.
    const embeddedOut = join(dataDir, 'embedded');
    const embedded = validateConfig({ ...structuredClone(loaded.config), out: embeddedOut }, loaded.file, loaded.baseDir);
    const r = await runPipeline(embedded, { hindcast: true });

    const flowDir = join(root, 'outputs', `runs/${runId}`, 'forecasts', r.forecast.dir.split('/').pop()!);
    const tifs = r.forecast.files.filter((f) => f.kind === 'geotiff').map((f) => f.file);
    expect(tifs.length).toBe(2);
    expect((await readdir(flowDir)).filter((f) => f.endsWith('.tif')).sort()).toEqual([...tifs].sort());
    for (const f of tifs) {
      const a = await readFile(join(r.forecast.dir, f));
      const b = await readFile(join(flowDir, f));
      expect(b.equals(a), `${f} differs`).toBe(true);
    }
  });
});

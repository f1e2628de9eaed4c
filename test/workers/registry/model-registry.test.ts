/** The model registry against a real Redis: ranking by validation loss, promotion, unknown runs. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createWorkerConnection } from '../../../workers/redis/connection.js';
import { ModelRegistry, UnknownRunError, type RegisteredRun } from '../../../workers/registry/model-registry.js';
import { NoProductionModelError } from '../../../workers/job-errors.js';
import { deleteKeys, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';

const run = (runId: string, name: string, bestValLoss: number): RegisteredRun => ({
  runId, name, checkpoint: `${runId}/best`, bestValLoss, bestEpoch: 1, epochs: 2, testRmse: bestValLoss * 2, backend: 'cpu', createdAt: '2024-01-01T00:00:00Z',
});

describe('ModelRegistry', () => {
  let client: Redis;
  const prefix = uniquePrefix('registry');
  beforeAll(async () => { client = createWorkerConnection({ url: await testRedisUrl() }); });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    client.disconnect();
    await stopTestRedis();
  });

  it('ranks runs by validation loss; a promoted run wins', async () => {
    const reg = new ModelRegistry(client, prefix);
    await expect(reg.production('a')).rejects.toThrow(NoProductionModelError);
    await reg.record(run('r1', 'a', 0.5));
    await reg.record(run('r2', 'a', 0.3));
    await reg.record(run('r3', 'b', 0.1));
    await reg.record(run('r2', 'a', 0.3)); // a retried job records once
    expect((await reg.list('a')).map((r) => r.runId)).toEqual(['r2', 'r1']);
    expect(await reg.names()).toEqual(['a', 'b']);
    expect((await reg.production('a')).runId).toBe('r2');
    await reg.promote('r1');
    expect((await reg.production('a')).runId).toBe('r1');
    expect((await reg.production('b')).runId).toBe('r3');
    expect(await reg.get('r1')).toEqual(run('r1', 'a', 0.5));
    await expect(reg.promote('nope')).rejects.toThrow(UnknownRunError);
  });
});

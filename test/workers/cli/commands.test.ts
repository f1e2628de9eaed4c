/**
 * The distributed-mode commands as a user runs them: usage errors, `schedule` register twice /
 * list / remove, `registry list|promote`, `status` of an unknown flow.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createWorkerConnection } from '../../../workers/redis/connection.js';
import { ModelRegistry } from '../../../workers/registry/model-registry.js';
import { deleteKeys, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';
import { tinyConfig } from '../integration/tiny-config.js';

const repo = resolve(import.meta.dirname, '..', '..', '..');

describe('distributed-mode commands', () => {
  let url: string;
  let client: Redis;
  let dir: string;
  const prefix = uniquePrefix('cli');
  const gridcast = async (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/gridcast.ts', ...args], {
    cwd: repo, env: { ...process.env, REDIS_URL: url, GRIDCAST_PREFIX: prefix },
  }).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code: number; stdout: string; stderr: string }) => e);

  beforeAll(async () => {
    url = await testRedisUrl();
    client = createWorkerConnection({ url });
    dir = await mkdtemp(join(tmpdir(), 'gridcast-cli-'));
    await tinyConfig(dir);
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    client.disconnect();
    await rm(dir, { recursive: true, force: true });
    await stopTestRedis();
  });

  it('rejects bad usage with exit code 2', async () => {
    expect((await gridcast('worker', 'bogus')).code).toBe(2);
    expect((await gridcast('worker', 'train', '--concurrency', '0')).code).toBe(2);
    expect((await gridcast('schedule', join(dir, 'config.json'))).stderr).toMatch(/--cron is required/);
  });

  it('registers a schedule once, lists and removes it', async () => {
    const cfg = join(dir, 'config.json');
    expect((await gridcast('schedule', cfg, '--cron', '0 */6 * * *', '--tz', 'Europe/Berlin')).stdout.trim()).toBe('tiny-storms');
    expect((await gridcast('schedule', cfg, '--cron', '0 */6 * * *', '--tz', 'Europe/Berlin')).code).toBe(0);
    const list = await gridcast('schedule', '--list');
    expect(list.stdout.trim().split('\n')).toHaveLength(1);
    expect(list.stdout).toMatch(/^tiny-storms\t0 \*\/6 \* \* \*\tEurope\/Berlin\tnext 20/);
    expect((await gridcast('schedule', '--remove', 'tiny-storms')).code).toBe(0);
    expect((await gridcast('schedule', '--remove', 'tiny-storms')).code).toBe(1);
    expect((await gridcast('schedule', '--list')).stdout).toBe('');
  });

  it('lists and promotes registered runs', async () => {
    const reg = new ModelRegistry(client, prefix);
    for (const [id, loss] of [['r-a', 0.2], ['r-b', 0.4]] as const) {
      await reg.record({ runId: id, name: 'm', checkpoint: `${id}/best`, bestValLoss: loss, bestEpoch: 1, epochs: 1, testRmse: null, backend: 'cpu', createdAt: '' });
    }
    expect((await gridcast('registry', 'list')).stdout).toMatch(/^\* r-a\tm\tval 0\.2000.*\n  r-b/);
    expect((await gridcast('registry', 'promote', 'r-b')).code).toBe(0);
    const json = JSON.parse((await gridcast('registry', 'list', '--json')).stdout) as { runId: string; production: boolean }[];
    expect(json.find((r) => r.production)?.runId).toBe('r-b');
    expect((await gridcast('registry', 'promote', 'r-zzz')).code).toBe(1);
  });

  it('status of an unknown flow exits 1', async () => {
    const r = await gridcast('status', 'run-nope');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/flow run-nope: missing/);
  });
});

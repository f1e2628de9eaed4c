/**
 * Compute-heavy stages run in a child process of the worker (workers/processors/stage-child.ts):
 * a forecast made there is the same, byte for byte, as one made in-process; the child's errors
 * keep their kind across the process boundary (so retry decisions do not change); an aborted
 * stage (shutdown, lost lock) ends without leaving any output behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../../pipeline/config/load-config.js';
import { runPipeline, type RunResult } from '../../../pipeline/run.js';
import { isTransient } from '../../../workers/job-errors.js';
import { runStageChild, StageChildError } from '../../../workers/processors/run-stage-child.js';
import { tempDir } from '../../helpers.js';
import { tinyDataset } from '../../pipeline/helpers.js';

const tmp = tempDir('gridcast-stage-child-');
let loaded: LoadedConfig;
let embedded: RunResult;
beforeAll(async () => {
  loaded = await tinyDataset(tmp.path, { config: { predict: { formats: ['geotiff'] } } });
  embedded = await runPipeline(loaded, { log: () => {} });
}, 120_000);
afterAll(() => tmp.remove());

const request = (out: string, extra: { at?: string } = {}) => ({
  stage: 'predict' as const, config: { ...loaded.config, out }, file: loaded.file, baseDir: loaded.baseDir,
  checkpoint: join(tmp.path, 'out', 'checkpoints', 'best'), at: extra.at ?? embedded.forecast.issueTime,
});

describe('stage child: predict in a child process', () => {
  it('writes the same GeoTIFFs as the in-process predict, and relays log lines', async () => {
    const out = join(tmp.path, 'child-out');
    const lines: string[] = [];
    const r = await runStageChild(request(out), { log: (l) => lines.push(l) });
    expect(r.issueTime).toBe(embedded.forecast.issueTime);
    expect(r.files.map((f) => f.file)).toEqual(embedded.forecast.files.map((f) => f.file));
    const tiffs = embedded.forecast.files.filter((f) => f.file.endsWith('.tif'));
    expect(tiffs.length).toBeGreaterThan(0);
    for (const f of tiffs) { // run.json differs: it records how long the run took
      expect(readFileSync(join(r.dir, f.file)).equals(readFileSync(join(embedded.forecast.dir, f.file)))).toBe(true);
    }
    expect(lines.length).toBeGreaterThan(0);
  }, 60_000);

  it('a missing input time fails with a MissingInput error that stays retryable', async () => {
    const err = await runStageChild(request(join(tmp.path, 'missing-out'), { at: '1900-01-01T00:00:00Z' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StageChildError);
    expect((err as StageChildError).kind).toBe('MissingInput');
    expect((err as Error).message).toMatch(/1900-01-01/);
    expect(isTransient(err)).toBe(true);
    expect(existsSync(join(tmp.path, 'missing-out'))).toBe(false);
  }, 60_000);

  it('an aborted predict rejects with the reason and leaves no output', async () => {
    const out = join(tmp.path, 'aborted-out');
    const controller = new AbortController();
    const p = runStageChild(request(out), { signal: controller.signal });
    controller.abort(new Error('worker shutting down'));
    await expect(p).rejects.toThrow('worker shutting down');
    const forecasts = join(out, 'forecasts');
    expect(existsSync(forecasts) ? readdirSync(forecasts) : []).toEqual([]);
  }, 60_000);
});

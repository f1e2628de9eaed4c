/**
 * Training is reproducible and resumable: the same seed gives the same weights (same backend),
 * raising the epoch count continues a finished run where it stopped (history, weights, Adam
 * moments), and a run interrupted after an epoch leaves a valid `last` checkpoint from which a
 * rerun continues — to the very weights an uninterrupted run reaches.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../datasets/dataset/open-dataset.js';
import { loadCheckpoint } from '../../pipeline/checkpoint/checkpoint.js';
import { validateConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { train } from '../../pipeline/stages/train.js';
import { tempDir } from '../helpers.js';
import { tinyDataset } from './helpers.js';

const tmp = tempDir('gridcast-train-');
let loaded: LoadedConfig;
let ds: Dataset;
const quiet = { log: () => {} };

/** The same config with other training settings. */
function variant(patch: { epochs?: number; seed?: number }): LoadedConfig {
  const c = structuredClone(loaded.config);
  if (patch.epochs !== undefined) c.train.epochs = patch.epochs;
  if (patch.seed !== undefined) c.seed = patch.seed;
  return validateConfig(c, loaded.file, loaded.baseDir);
}
const weightsOf = (dir: string) => readFileSync(join(dir, 'weights.safetensors'));

beforeAll(async () => {
  loaded = await tinyDataset(tmp.path, { config: { train: { epochs: 2, batchSize: 4, learningRate: 0.01 } } });
  ds = (await ingest(loaded)).dataset;
});
afterAll(() => tmp.remove());

describe('train stage', () => {
  it('same seed → identical weights; another seed → different weights', async () => {
    const a = await train(loaded, ds, { ...quiet, checkpointsDir: join(tmp.path, 'ck-a') });
    const b = await train(loaded, ds, { ...quiet, checkpointsDir: join(tmp.path, 'ck-b') });
    expect(a.skipped).toBe(false);
    expect(b.history.map((r) => r.loss)).toEqual(a.history.map((r) => r.loss));
    expect(weightsOf(b.last).equals(weightsOf(a.last))).toBe(true);
    expect(weightsOf(b.best).equals(weightsOf(a.best))).toBe(true);
    const c = await train(variant({ seed: 8 }), ds, { ...quiet, checkpointsDir: join(tmp.path, 'ck-c') });
    expect(weightsOf(c.last).equals(weightsOf(a.last))).toBe(false);
  });

  it('a finished run is skipped; more epochs resume it and reach the weights of an uninterrupted run', async () => {
    const dir = join(tmp.path, 'ck-resume');
    const first = await train(loaded, ds, { ...quiet, checkpointsDir: dir });
    expect(first.history.map((r) => r.epoch)).toEqual([1, 2]);
    const again = await train(loaded, ds, { ...quiet, checkpointsDir: dir });
    expect(again).toMatchObject({ skipped: true, resumedFrom: 2 });
    const events: string[] = [];
    const more = await train(variant({ epochs: 3 }), ds, { ...quiet, checkpointsDir: dir, onEvent: (e) => { if (e.type !== 'batch') events.push(e.type === 'start' ? `start@${e.fromEpoch}` : e.type === 'epoch' ? `epoch${e.record.epoch}` : e.type); } });
    expect(more.skipped).toBe(false);
    expect(more.resumedFrom).toBe(2);
    expect(events).toEqual(['start@2', 'epoch3', 'end']);
    expect(more.history.slice(0, 2)).toEqual(first.history);
    expect(more.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    const straight = await train(variant({ epochs: 3 }), ds, { ...quiet, checkpointsDir: join(tmp.path, 'ck-straight') });
    expect(more.history.map((r) => r.loss)).toEqual(straight.history.map((r) => r.loss));
    expect(weightsOf(more.last).equals(weightsOf(straight.last))).toBe(true);
    // --no-resume starts over
    const fresh = await train(variant({ epochs: 3 }), ds, { ...quiet, checkpointsDir: dir, resume: false });
    expect(fresh.resumedFrom).toBe(0);
  });

  it('an interrupted run leaves a valid last checkpoint and a rerun continues from it', async () => {
    const dir = join(tmp.path, 'ck-abort');
    const ac = new AbortController();
    await expect(train(variant({ epochs: 3 }), ds, {
      ...quiet, checkpointsDir: dir, signal: ac.signal,
      onEvent: (e) => { if (e.type === 'epoch' && e.record.epoch === 1) ac.abort(new Error('stop requested')); },
    })).rejects.toThrow(/stop requested/);
    const last = await loadCheckpoint(join(dir, 'last'), true);
    expect(last.config.training.epoch).toBe(1);
    expect(last.config.training.history.length).toBe(1);
    expect(last.optimizer).toBeDefined();
    const rerun = await train(variant({ epochs: 3 }), ds, { ...quiet, checkpointsDir: dir });
    expect(rerun.resumedFrom).toBe(1);
    expect(rerun.history.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(weightsOf(rerun.last).equals(weightsOf(join(tmp.path, 'ck-straight', 'last')))).toBe(true);
  });
});

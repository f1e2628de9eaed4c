/**
 * `runPipeline` skips work whose output already matches its inputs: a second run reuses the
 * dataset (input hash) and the finished checkpoints (run hash), and a changed input file makes
 * ingest rebuild and training start over instead of resuming a run made on other data.
 */
import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../pipeline/config/load-config.js';
import { runPipeline } from '../../pipeline/run.js';
import type { TrainEvent } from '../../pipeline/stages/train.js';
import { tempDir } from '../helpers.js';
import { tinyDataset } from './helpers.js';

const tmp = tempDir('gridcast-skip-');
let loaded: LoadedConfig;
beforeAll(async () => { loaded = await tinyDataset(tmp.path); });
afterAll(() => tmp.remove());

describe('run: skipping work already done', () => {
  it('a second run reuses dataset and checkpoints and writes the forecast again', async () => {
    const first = await runPipeline(loaded, { log: () => {} });
    expect(first.ingest.skipped).toBe(false);
    expect(first.train.skipped).toBe(false);
    const out = join(tmp.path, 'out');
    const mtimes = ['dataset/dataset.json', 'checkpoints/best/weights.safetensors', 'checkpoints/last/weights.safetensors'].map((f) => statSync(join(out, f)).mtimeMs);
    const events: TrainEvent['type'][] = [];
    const stages: string[] = [];
    const second = await runPipeline(loaded, { log: () => {}, onTrain: (e) => events.push(e.type), onStage: (s) => stages.push(s) });
    expect(stages).toEqual(['ingest', 'train', 'evaluate', 'predict']);
    expect(second.ingest.skipped).toBe(true);
    expect(second.ingest.hash).toBe(first.ingest.hash);
    expect(second.train).toMatchObject({ skipped: true, resumedFrom: 1, bestEpoch: first.train.bestEpoch });
    expect(events).toEqual(['end']);
    expect(['dataset/dataset.json', 'checkpoints/best/weights.safetensors', 'checkpoints/last/weights.safetensors'].map((f) => statSync(join(out, f)).mtimeMs)).toEqual(mtimes);
    expect(second.evaluation.summary).toEqual(first.evaluation.summary);
    expect(second.forecast.dir).toBe(first.forecast.dir);
  });

  it('a changed input file rebuilds the dataset and retrains from scratch', async () => {
    const f = join(tmp.path, 'storms_tcw.nc');
    const later = new Date(statSync(f).mtimeMs + 60_000);
    utimesSync(f, later, later);
    const third = await runPipeline(loaded, { log: () => {} });
    expect(third.ingest.skipped).toBe(false);
    expect(third.train).toMatchObject({ skipped: false, resumedFrom: 0 });
  });
});

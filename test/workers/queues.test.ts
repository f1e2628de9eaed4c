import { describe, expect, it } from 'vitest';
import { defaultJobOptions, workerOptionsFor } from '../../workers/queues.js';
import { resolveSettings } from '../../workers/settings.js';

describe('worker options', () => {
  it('defaults: train one job at a time with a long lock', () => {
    expect(workerOptionsFor('train', {}, {})).toMatchObject({ concurrency: 1, lockDuration: 120_000 });
    expect(workerOptionsFor('predict', {}, {})).toMatchObject({ concurrency: 2, lockDuration: 30_000 });
    expect(workerOptionsFor('train', {}, { GRIDCAST_LOCK_DURATION_MS: '4000', GRIDCAST_STALLED_INTERVAL_MS: '1000' })).toMatchObject({ lockDuration: 4000, stalledInterval: 1000 });
  });
  it('names the bad field', () => {
    expect(() => workerOptionsFor('train', { concurrency: 0 }, {})).toThrow(/concurrency must be an integer ≥ 1, got 0/);
  });
  it('retries with exponential backoff', () => {
    expect(defaultJobOptions('train')).toMatchObject({ attempts: 3, backoff: { type: 'exponential' } });
  });
});

describe('settings', () => {
  it('reads the environment, options first', () => {
    const s = resolveSettings({}, { GRIDCAST_PREFIX: 'p', GRIDCAST_ROOT: '/srv/g' });
    expect(s).toEqual({ prefix: 'p', root: '/srv/g', dirs: { checkpoints: '/srv/g/checkpoints', work: '/srv/g/work', outputs: '/srv/g/outputs' } });
    expect(resolveSettings({ prefix: 'q' }, { GRIDCAST_PREFIX: 'p' }).prefix).toBe('q');
    expect(() => resolveSettings({ prefix: 'a b' }, {})).toThrow(/prefix/);
    expect(resolveSettings({}, { GRIDCAST_ROOT: '/r', GRIDCAST_CHECKPOINT_DIR: '/checkpoints', GRIDCAST_OUTPUT_DIR: '/outputs' }).dirs)
      .toEqual({ checkpoints: '/checkpoints', work: '/r/work', outputs: '/outputs' });
    expect(() => resolveSettings({}, { GRIDCAST_OUTPUT_DIR: ' ' })).toThrow(/outputRoot must not be empty/);
  });
});

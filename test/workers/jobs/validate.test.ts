/** Job data validation: sizes, shapes, config, and confinement of paths under the output root. */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../pipeline/errors.js';
import { MissingInputError } from '../../../pipeline/errors.js';
import { ChecksumError, TransportError } from '../../../workers/errors.js';
import { classifyJobError, JobPayloadError, PathEscapeError } from '../../../workers/job-errors.js';
import { checkPayloadSize, confine, MAX_PAYLOAD_BYTES, validatePredictData, validateTrainData } from '../../../workers/jobs/validate.js';

const config = {
  name: 'x', out: '.',
  data: { sources: [{ files: 'a/*.nc', variable: 'tcw' }], tIn: 2, tOut: 1 },
};
const job = { config, baseDir: '/data', file: '/data/config.json' };

describe('confine', () => {
  it('keeps relative paths under the root', () => {
    expect(confine('/out', 'runs/a/b')).toBe('/out/runs/a/b');
    expect(confine('/out', '')).toBe('/out');
    expect(confine('/out', './x')).toBe('/out/x');
  });
  it.each(['../x', 'a/../../x', 'a/..', '/etc', '..', 'a\\..\\..\\x', 'C:\\x', 'a\0b'])('rejects %j', (p) => {
    expect(() => confine('/out', p)).toThrow(PathEscapeError);
  });
});

describe('payloads', () => {
  it('rejects job data larger than the limit', () => {
    expect(() => checkPayloadSize({ x: 'a'.repeat(MAX_PAYLOAD_BYTES) })).toThrow(/at most 262144 bytes/);
    expect(() => checkPayloadSize({ x: 1 })).not.toThrow();
  });
  it('validates predict data', () => {
    const ok = validatePredictData({ v: 1, job, checkpoint: { from: 'production' }, outDir: 'a' });
    expect(ok.loaded.config.name).toBe('x');
    expect(ok.loaded.baseDir).toBe('/data');
    expect(() => validatePredictData({ v: 2, job, checkpoint: { from: 'production' }, outDir: 'a' })).toThrow(/version must be 1/);
    expect(() => validatePredictData({ v: 1, job, checkpoint: { from: 'elsewhere' }, outDir: 'a' })).toThrow(/checkpoint.from/);
    expect(() => validatePredictData({ v: 1, job, checkpoint: { from: 'production' }, outDir: '../a' })).toThrow(PathEscapeError);
    expect(() => validatePredictData({ v: 1, job, checkpoint: { from: 'production' }, outDir: 'a', at: 'soon' })).toThrow(/ISO-8601/);
    expect(() => validatePredictData({ v: 1, job: { ...job, baseDir: 'rel' }, checkpoint: { from: 'production' }, outDir: 'a' })).toThrow(/absolute/);
    expect(() => validatePredictData({ v: 1, job: { ...job, config: { ...config, trian: {} } }, checkpoint: { from: 'production' }, outDir: 'a' })).toThrow(ConfigError);
    expect(() => validatePredictData({ v: 1, job, checkpoint: { from: 'production' }, outDir: 'a', issue: { stepHours: 0 } })).toThrow(/stepHours/);
  });
  it('validates dataset references', () => {
    const ref = { id: 'abc', size: 3, sha256: 'a'.repeat(64), chunks: 1 };
    expect(validateTrainData({ v: 1, runId: 'r1', job, dataset: [{ path: 'dataset.json', ref }] }).dataset).toHaveLength(1);
    expect(() => validateTrainData({ v: 1, runId: 'r1', job, dataset: [{ path: '../x', ref }] })).toThrow(PathEscapeError);
    expect(() => validateTrainData({ v: 1, runId: 'r1', job, dataset: [{ path: 'x', ref: { id: 'abc' } }] })).toThrow(/not a blob reference/);
    expect(() => validateTrainData({ v: 1, runId: '../r', job })).toThrow(JobPayloadError);
  });
});

describe('classifyJobError', () => {
  it('makes bad data and config unrecoverable, keeping kind and message', () => {
    for (const e of [new ConfigError('bad'), new ChecksumError('SHA-256 mismatch', { blobId: 'b', chunk: 0 }), new JobPayloadError('big'), new PathEscapeError('..')]) {
      const c = classifyJobError(e);
      expect(c).toBeInstanceOf(UnrecoverableError);
      expect(c.message).toContain(`${e.kind}: `);
      expect(c.message).toContain(e.message);
    }
  });
  it('lets transient failures be retried', () => {
    for (const e of [new MissingInputError('not yet'), new TransportError('x'), new Error('ECONNRESET')]) expect(classifyJobError(e)).toBe(e);
  });
});

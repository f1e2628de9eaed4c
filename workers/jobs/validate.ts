/**
 * Validation of job data before a worker allocates or writes anything: size, version, shape,
 * config, and confinement of output paths under the output root.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { validateConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import { assertBlobRef } from '../transport/blob-ref.js';
import { JobPayloadError, PathEscapeError } from '../job-errors.js';
import { checkScheduledIssue } from '../schedules/issue-time.js';
import type { CheckpointChoice, DatasetFileRef, IngestJobData, JobConfig, PredictJobData, TrainJobData } from './job-data.js';

/** Largest job data accepted, in bytes of JSON (a config and a few hundred blob references fit easily). */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Throw unless `data` serialises to at most {@link MAX_PAYLOAD_BYTES}. */
export function checkPayloadSize(data: unknown, what = 'job data'): void {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(data) ?? '');
  } catch (cause) {
    throw new JobPayloadError(`${what} is not JSON-serialisable`, { cause });
  }
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new JobPayloadError(`${what} is ${bytes} bytes`, { expected: `at most ${MAX_PAYLOAD_BYTES} bytes (tensors travel as blobs, never in job data)` });
  }
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new JobPayloadError(`${what} must be an object, got ${JSON.stringify(v)?.slice(0, 80)}`);
  return v as Record<string, unknown>;
}

function common(data: unknown): Record<string, unknown> {
  checkPayloadSize(data);
  const d = obj(data, 'job data');
  if (d.v !== 1) throw new JobPayloadError(`job data version must be 1, got ${JSON.stringify(d.v)}`);
  return d;
}

/** A run id: short, safe as a directory name and a key part. */
export function checkRunId(v: unknown): string {
  if (typeof v !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(v)) throw new JobPayloadError(`runId must be 1-100 characters of A-Z a-z 0-9 _ -, got ${JSON.stringify(v)}`);
  return v;
}

/** Validate the config carried by a job; ConfigError when it does not validate. */
export function loadJobConfig(j: unknown): LoadedConfig {
  const jc = obj(j, 'job') as Partial<JobConfig>;
  if (typeof jc.baseDir !== 'string' || !isAbsolute(jc.baseDir)) throw new JobPayloadError(`job.baseDir must be an absolute path, got ${JSON.stringify(jc.baseDir)}`);
  const file = typeof jc.file === 'string' ? jc.file : '<job>';
  return validateConfig(structuredClone(jc.config), file, jc.baseDir);
}

function checkDataset(v: unknown): DatasetFileRef[] {
  if (!Array.isArray(v) || v.length === 0) throw new JobPayloadError('dataset must be a non-empty list of { path, ref }');
  return v.map((f, i) => {
    const o = obj(f, `dataset[${i}]`);
    if (typeof o.path !== 'string') throw new JobPayloadError(`dataset[${i}].path must be a string`);
    confine('/', o.path, `dataset[${i}].path`);
    assertBlobRef(o.ref);
    return { path: o.path, ref: o.ref };
  });
}

export function validateIngestData(data: unknown): IngestJobData & { loaded: LoadedConfig } {
  const d = common(data);
  return { v: 1, runId: checkRunId(d.runId), job: d.job as JobConfig, loaded: loadJobConfig(d.job) };
}

export function validateTrainData(data: unknown): TrainJobData & { loaded: LoadedConfig } {
  const d = common(data);
  return {
    v: 1, runId: checkRunId(d.runId), job: d.job as JobConfig, loaded: loadJobConfig(d.job),
    ...(d.dataset === undefined ? {} : { dataset: checkDataset(d.dataset) }),
  };
}

function checkChoice(v: unknown): CheckpointChoice {
  const o = obj(v, 'checkpoint');
  if (o.from === 'flow' || o.from === 'production') return { from: o.from };
  if (o.from === 'run') return { from: 'run', runId: checkRunId(o.runId) };
  throw new JobPayloadError(`checkpoint.from must be 'flow', 'production' or 'run', got ${JSON.stringify(o.from)}`);
}

export function validatePredictData(data: unknown): PredictJobData & { loaded: LoadedConfig } {
  const d = common(data);
  if (typeof d.outDir !== 'string') throw new JobPayloadError('outDir must be a string (relative to the output root)');
  confine('/', d.outDir, 'outDir');
  if (d.at !== undefined && (typeof d.at !== 'string' || !Number.isFinite(Date.parse(d.at)))) throw new JobPayloadError(`at must be an ISO-8601 time, got ${JSON.stringify(d.at)}`);
  let issue: PredictJobData['issue'];
  if (d.issue !== undefined) {
    const o = obj(d.issue, 'issue');
    if (d.at !== undefined) throw new JobPayloadError('give either at or issue, not both');
    try {
      issue = checkScheduledIssue({ stepHours: o.stepHours as number, lagHours: o.lagHours as number | undefined });
    } catch (cause) {
      throw new JobPayloadError((cause as Error).message, { cause });
    }
  }
  return {
    ...(issue ? { issue } : {}),
    v: 1, job: d.job as JobConfig, loaded: loadJobConfig(d.job), checkpoint: checkChoice(d.checkpoint), outDir: d.outDir,
    ...(d.runId === undefined ? {} : { runId: checkRunId(d.runId) }),
    ...(d.hindcast === undefined ? {} : { hindcast: d.hindcast === true }),
    ...(d.at === undefined ? {} : { at: d.at as string }),
  };
}

/**
 * `root` joined with the relative path `rel`, refusing anything that would leave `root`:
 * absolute paths, `..` segments, NUL bytes. Empty means `root` itself.
 */
export function confine(root: string, rel: string, field = 'path'): string {
  if (rel.includes('\0')) throw new PathEscapeError(`${field} contains a NUL byte`);
  if (isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel)) throw new PathEscapeError(`${field} must be relative to the output root, got '${rel}'`);
  if (rel.split(/[\\/]+/).includes('..')) throw new PathEscapeError(`${field} must not contain '..', got '${rel}'`);
  const full = resolve(root, rel);
  const back = relative(root, full);
  if (back.startsWith('..') || isAbsolute(back) || (back !== '' && full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep))) {
    throw new PathEscapeError(`${field} leaves ${root}: '${rel}'`);
  }
  return full;
}

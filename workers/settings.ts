/**
 * Deployment settings shared by every worker, producer and CLI command, resolved in one place:
 * the key prefix (queues, blobs, registry) and the shared file-system root.
 *
 * ```ts
 * const s = resolveSettings({ prefix: 'prod', root: '/srv/gridcast' });
 * s.dirs.checkpoints // '/srv/gridcast/checkpoints' — every train worker must see the same directory
 * ```
 *
 * Why one root: checkpoints must outlive a crashed train worker so a retry on another worker
 * resumes from them, so they live on a file system all workers share (one machine: a local
 * directory; many machines: NFS or a shared volume, as docker-compose mounts). Each directory can
 * also be set on its own (GRIDCAST_CHECKPOINT_DIR, GRIDCAST_OUTPUT_DIR, GRIDCAST_WORK_DIR). Forecast outputs
 * go under `<root>/outputs`; job data may only name paths relative to it.
 */
import { join, resolve } from 'node:path';
import { InvalidOptionError } from '../datasets/errors.js';

/** Options of {@link resolveSettings}; each falls back to an environment variable, then a default. */
export interface WorkerSettingsOptions {
  /** Key prefix of the deployment. Default `GRIDCAST_PREFIX`, else `'gridcast'`. */
  prefix?: string;
  /** Shared root directory. Default `GRIDCAST_ROOT`, else `./gridcast-root`. */
  root?: string;
  /** Forecast output root. Default `GRIDCAST_OUTPUT_DIR`, else `<root>/outputs`. */
  outputRoot?: string;
  /** Checkpoint store. Default `GRIDCAST_CHECKPOINT_DIR`, else `<root>/checkpoints`. */
  checkpointRoot?: string;
  /** Scratch space. Default `GRIDCAST_WORK_DIR`, else `<root>/work`. */
  workRoot?: string;
}

/** Settings after defaults. */
export interface WorkerSettings {
  prefix: string;
  root: string;
  dirs: {
    /** Per-run checkpoint directories `<checkpoints>/<runId>/{last,best}`. */
    checkpoints: string;
    /** Scratch space of jobs (datasets fetched from blobs, ingest builds). */
    work: string;
    /** Where forecasts are written; job data paths are confined under it. */
    outputs: string;
  };
}

/** Merge options, environment and defaults; validate. */
export function resolveSettings(options: WorkerSettingsOptions = {}, env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const prefix = options.prefix ?? env.GRIDCAST_PREFIX ?? 'gridcast';
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(prefix)) {
    throw new InvalidOptionError(`prefix must be 1-200 characters of A-Z a-z 0-9 _ . : -, got '${prefix}'`);
  }
  const root = resolve(options.root ?? env.GRIDCAST_ROOT ?? 'gridcast-root');
  const dir = (v: string | undefined, field: string, fallback: string) => {
    if (v === undefined) return fallback;
    if (v.trim() === '') throw new InvalidOptionError(`${field} must not be empty`);
    return resolve(v);
  };
  return {
    prefix,
    root,
    dirs: {
      checkpoints: dir(options.checkpointRoot ?? env.GRIDCAST_CHECKPOINT_DIR, 'checkpointRoot', join(root, 'checkpoints')),
      work: dir(options.workRoot ?? env.GRIDCAST_WORK_DIR, 'workRoot', join(root, 'work')),
      outputs: dir(options.outputRoot ?? env.GRIDCAST_OUTPUT_DIR, 'outputRoot', join(root, 'outputs')),
    },
  };
}

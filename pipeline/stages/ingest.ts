/**
 * The ingest stage: config → dataset directory. Skips the work when the directory exists and was
 * made from the same data section and the same input files (by path, size and mtime).
 */
import { join } from 'node:path';
import { buildDataset, type IngestProgress } from '../../datasets/dataset/build-dataset.js';
import { openDataset, type Dataset } from '../../datasets/dataset/open-dataset.js';
import { resolvePath, type LoadedConfig } from '../config/load-config.js';
import { inputHash } from './hash.js';
import { resolveSources } from './resolve-sources.js';

export interface IngestOptions {
  /** Dataset directory; default `<out>/dataset`. */
  datasetDir?: string;
  /** Rebuild even when the existing dataset matches. */
  force?: boolean;
  onProgress?: (p: IngestProgress) => void;
  signal?: AbortSignal;
}

export interface IngestResult {
  dataset: Dataset;
  /** True when an existing matching dataset was reused. */
  skipped: boolean;
  hash: string;
}

/** Default dataset directory of a config. */
export function datasetDirOf(loaded: LoadedConfig): string {
  return join(resolvePath(loaded, loaded.config.out), 'dataset');
}

/** Runs (or skips) ingest for a loaded config. */
export async function ingest(loaded: LoadedConfig, options: IngestOptions = {}): Promise<IngestResult> {
  const c = loaded.config;
  const dir = options.datasetDir ?? datasetDirOf(loaded);
  const sources = await resolveSources(loaded, c.data.sources);
  const hash = await inputHash({ data: c.data, version: 1 }, sources.flatMap((s) => s.files));
  if (!options.force) {
    const existing = await openDataset(dir).catch(() => null);
    if (existing && existing.info.provenance?.inputHash === hash) return { dataset: existing, skipped: true, hash };
  }
  await buildDataset({
    sources,
    grid: c.data.grid,
    window: { tIn: c.data.tIn, tOut: c.data.tOut, stride: c.data.stride, split: c.data.split },
    targetChannels: c.data.targets,
    out: dir,
    shardBytes: Math.round(c.data.shardMB * 1024 * 1024),
    provenance: { inputHash: hash, config: loaded.file },
    onProgress: options.onProgress,
    signal: options.signal,
  });
  return { dataset: await openDataset(dir), skipped: false, hash };
}

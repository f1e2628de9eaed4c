/**
 * A dataset directory (dataset.json, safetensors shards, climatology) moved through the blob
 * store file by file: the ingest worker publishes it, the train worker fetches it into its own
 * scratch directory — chunks and whole files verified against their SHA-256 before anything uses them.
 *
 * ```ts
 * const files = await publishDataset(store, '/work/ing-1/dataset', { refs: 1 });
 * await fetchDataset(store, files, '/work/train-7/dataset');  // ChecksumError on corruption
 * await releaseDataset(store, files, job.id);                 // when the consumer completed
 * ```
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { BlobStore } from './transport/blob-store.js';
import { getBlobFile, putBlobFile } from './transport/blob-file.js';
import type { PutBlobOptions } from './transport/options.js';
import type { DatasetFileRef } from './jobs/job-data.js';
import { confine } from './jobs/validate.js';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Store every file of `dir` as a blob; on failure the blobs already stored are deleted. */
export async function publishDataset(store: BlobStore, dir: string, options: PutBlobOptions = {}): Promise<DatasetFileRef[]> {
  const out: DatasetFileRef[] = [];
  try {
    for (const file of await filesUnder(dir)) {
      options.signal?.throwIfAborted();
      out.push({ path: relative(dir, file).split('\\').join('/'), ref: await putBlobFile(store, file, options) });
    }
    return out;
  } catch (e) {
    await Promise.all(out.map((f) => store.deleteBlob(f.ref.id).catch(() => {})));
    throw e;
  }
}

/** Fetch the files into a fresh `dir` (removed first); nothing is used before its checksums matched. */
export async function fetchDataset(store: BlobStore, files: DatasetFileRef[], dir: string, signal?: AbortSignal): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const f of files) {
    signal?.throwIfAborted();
    const path = confine(dir, f.path, 'dataset file path');
    await mkdir(dirname(path), { recursive: true });
    await getBlobFile(store, f.ref, path);
  }
}

/** Drop the consumer's reference to each blob (deleted when none is left); idempotent per `token`. */
export async function releaseDataset(store: BlobStore, files: DatasetFileRef[], token: string): Promise<void> {
  for (const f of files) await store.release(f.ref.id, token);
}

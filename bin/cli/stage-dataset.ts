/**
 * Which dataset a stage command (train, evaluate) works on. With `--dataset DIR` that directory
 * must already hold a dataset (made by `gridcast ingest`); without it the config's own dataset
 * `<out>/dataset` is brought up to date through the ingest stage, which costs only a hash of the
 * input files' sizes and times when nothing changed — so `gridcast train CONFIG` right after
 * `gridcast ingest CONFIG` never re-reads the rasters, and a fresh checkout still just works.
 */
import { openDataset, type Dataset } from '../../datasets/dataset/open-dataset.js';
import type { LoadedConfig } from '../../pipeline/config/load-config.js';
import { MissingInputError } from '../../pipeline/errors.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import type { Progress } from './progress.js';

/** Opens `--dataset DIR`, or ingests (or reuses) the config's dataset. */
export async function datasetFor(loaded: LoadedConfig, datasetDir: string | undefined, progress: Progress): Promise<Dataset> {
  if (datasetDir !== undefined) {
    return openDataset(datasetDir).catch((cause) => {
      throw new MissingInputError('no dataset there', { file: datasetDir, cause, expected: `a dataset directory; run 'gridcast ingest ${loaded.file} --dataset ${datasetDir}' first` });
    });
  }
  const r = await ingest(loaded, { onProgress: (p) => progress.update(p.frame, p.frames, `${p.samples} samples`) });
  progress.done();
  progress.event('dataset', { dataset: r.dataset.dir, skipped: r.skipped }, `dataset ${r.skipped ? '(up to date)' : 'written'}: ${r.dataset.dir}`);
  return r.dataset;
}

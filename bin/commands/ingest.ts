/** `gridcast ingest CONFIG`: raster files → dataset directory (shards + dataset.json). */
import { ingest } from '../../pipeline/stages/ingest.js';
import { parse, type Command } from '../cli/command.js';
import { COMMON_HELP, COMMON_OPTIONS, loadWithOverrides, outputMode } from '../cli/common-options.js';
import { createProgress } from '../cli/progress.js';

export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'read the configured NetCDF/GeoTIFF sources into a dataset of (B,T,C,H,W) tensors',
  help: `usage: gridcast ingest CONFIG [options]

Reads every source of the config's 'data' section time step by time step, stacks the channels
on one grid and time axis, cuts windows (tIn inputs, tOut targets), splits them
chronologically and writes safetensors shards + dataset.json to <out>/dataset (or --dataset).
An existing dataset made from the same inputs is reused unless --force.

options:
  --dataset DIR  dataset directory (default <out>/dataset)
  --force        rebuild even when the existing dataset matches
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, dataset: { type: 'string' }, force: { type: 'boolean' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const loaded = await loadWithOverrides(positionals[0], values);
    const mode = outputMode(values);
    const progress = createProgress('ingest', mode);
    const r = await ingest(loaded, {
      datasetDir: values.dataset,
      force: values.force,
      onProgress: (p) => progress.update(p.frame, p.frames, `${p.samples} samples`),
    });
    const s = r.dataset.info.splits;
    const line = `${r.skipped ? 'dataset up to date' : 'dataset written'}: ${r.dataset.dir} (${r.dataset.info.channels.length} channels, ${r.dataset.info.grid.height}x${r.dataset.info.grid.width}, train/val/test ${s.train.samples}/${s.val.samples}/${s.test.samples} samples)`;
    progress.done();
    progress.event('ingested', { dataset: r.dataset.dir, skipped: r.skipped, samples: { train: s.train.samples, val: s.val.samples, test: s.test.samples } }, line);
    return 0;
  },
};

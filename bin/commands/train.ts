/** `gridcast train CONFIG`: dataset → checkpoints (`best` and `last`), resuming an interrupted run. */
import { dirname, join } from 'node:path';
import { train } from '../../pipeline/stages/train.js';
import { parse, type Command } from '../cli/command.js';
import { COMMON_HELP, COMMON_OPTIONS, loadWithOverrides, outputMode } from '../cli/common-options.js';
import { trainReporter } from '../cli/pipeline-report.js';
import { createProgress } from '../cli/progress.js';
import { datasetFor } from '../cli/stage-dataset.js';

export const trainCommand: Command = {
  name: 'train',
  summary: 'train the configured model on the ingested dataset (checkpoint every epoch, resumable)',
  help: `usage: gridcast train CONFIG [options]

Trains the config's model on its dataset: Adam on the masked loss, seeded shuffling, validation
every epoch, early stopping, learning-rate schedule. Writes <out>/checkpoints/last (every epoch,
with the optimizer state) and <out>/checkpoints/best (lowest validation loss). A run whose last
checkpoint belongs to the same data and settings resumes from it (raise train.epochs to train
longer); a finished run is skipped.

Without --dataset the config's dataset (<out>/dataset) is ingested first, or reused when it is
up to date with the input files. With --dataset DIR that directory must already hold a dataset
('gridcast ingest CONFIG --dataset DIR').

options:
  --dataset DIR      dataset directory (default <out>/dataset, ingested when missing or stale)
  --checkpoints DIR  checkpoint root (default <out>/checkpoints)
  --no-resume        start over even when a matching last checkpoint exists
  --init DIR         start a fresh run from this checkpoint's weights instead of a random
                     initialisation (e.g. one made by 'gridcast convert' from PyTorch); its data
                     must fit the dataset and its weights the config's model section
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, dataset: { type: 'string' }, checkpoints: { type: 'string' }, 'no-resume': { type: 'boolean' }, init: { type: 'string' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const loaded = await loadWithOverrides(positionals[0], values);
    const mode = outputMode(values);
    const ds = await datasetFor(loaded, values.dataset, createProgress('ingest', mode));
    const progress = createProgress('train ', mode);
    const r = await train(loaded, ds, {
      checkpointsDir: values.checkpoints,
      resume: !values['no-resume'],
      init: values.init,
      onEvent: trainReporter(progress),
      log: (line) => progress.event('log', { line }, line),
    });
    createProgress('train', mode, process.stdout).event('trained', { best: r.best, last: r.last, bestEpoch: r.bestEpoch, bestValLoss: r.bestValLoss, resumedFrom: r.resumedFrom, skipped: r.skipped, epochs: r.history.length, backend: r.backend, lossCurve: join(dirname(r.last), 'loss-curve.svg') },
      `checkpoints: best ${r.best} (epoch ${r.bestEpoch}), last ${r.last}; loss curve ${join(dirname(r.last), 'loss-curve.svg')}`);
    return 0;
  },
};

/** `gridcast evaluate CONFIG`: score a checkpoint on the test (or validation) split. */
import { join } from 'node:path';
import { resolvePath } from '../../pipeline/config/load-config.js';
import { evaluate, formatEvaluation } from '../../pipeline/stages/evaluate.js';
import { checkpointsDirOf } from '../../pipeline/stages/train.js';
import { parse, UsageError, type Command } from '../cli/command.js';
import { COMMON_HELP, COMMON_OPTIONS, loadWithOverrides, outputMode } from '../cli/common-options.js';
import { verdictLines } from '../cli/pipeline-report.js';
import { createProgress } from '../cli/progress.js';
import { datasetFor } from '../cli/stage-dataset.js';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score a checkpoint per channel and lead time against persistence and climatology',
  help: `usage: gridcast evaluate CONFIG [options]

Runs the checkpoint on every window of the dataset's test split (or --split val) and reports,
per channel and lead time, RMSE, area-weighted RMSE, MAE, bias, anomaly correlation and the
skill against persistence and the training climatology (plus POD/FAR/CSI/FSS at the config's
thresholds). Prints the table and one verdict line per channel; writes the report as JSON
(default <out>/evaluation.json; --json also prints it as an 'evaluation' event).

options:
  --checkpoint DIR  checkpoint directory (default <out>/checkpoints/best)
  --split S         test|val (default test)
  --dataset DIR     dataset directory (default <out>/dataset, ingested when missing or stale)
  --report FILE     where to write the JSON report (default <out>/evaluation.json)
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, checkpoint: { type: 'string' }, split: { type: 'string' }, dataset: { type: 'string' }, report: { type: 'string' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const split = values.split ?? 'test';
    if (split !== 'test' && split !== 'val') throw new UsageError(`--split must be test or val, got '${split}'`);
    const loaded = await loadWithOverrides(positionals[0], values);
    const mode = outputMode(values);
    const progress = createProgress('evaluate', mode);
    const ds = await datasetFor(loaded, values.dataset, progress);
    const checkpoint = values.checkpoint ?? join(checkpointsDirOf(loaded), 'best');
    const outFile = values.report ?? join(resolvePath(loaded, loaded.config.out), 'evaluation.json');
    const r = await evaluate(loaded, ds, checkpoint, { split, outFile, log: (line) => progress.event('log', { line }, line) });
    const results = createProgress('evaluate', mode, process.stdout); // the table is the result: stdout
    results.event('evaluation', { report: r, file: outFile }, `${split} split (${r.samples} samples), checkpoint ${r.checkpoint}:\n${formatEvaluation(r, ds.info.timeStepHours)}\n`);
    for (const line of verdictLines(r)) results.event('verdict', {}, line);
    results.event('written', { file: outFile }, `report: ${outFile}`);
    return 0;
  },
};

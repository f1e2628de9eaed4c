/** `gridcast run CONFIG`: ingest → train → evaluate → predict in one process (embedded mode). */
import { runPipeline, type RunResult } from '../../pipeline/run.js';
import type { LoadedConfig } from '../../pipeline/config/load-config.js';
import { formatEvaluation } from '../../pipeline/stages/evaluate.js';
import { parse, type Command } from '../cli/command.js';
import { COMMON_HELP, COMMON_OPTIONS, loadWithOverrides, outputMode } from '../cli/common-options.js';
import { createProgress, type OutputMode } from '../cli/progress.js';
import { outputLines, trainReporter, verdictLines } from '../cli/pipeline-report.js';

/** Runs the pipeline with progress output and prints the verdict; shared with `demo`. */
export async function runWithReport(loaded: LoadedConfig, mode: OutputMode, hindcast: boolean): Promise<RunResult> {
  const ingestBar = createProgress('ingest', mode);
  const trainBar = createProgress('train ', mode);
  const log = (line: string) => ingestBar.event('log', { line }, line);
  const r = await runPipeline(loaded, {
    hindcast,
    log,
    onIngest: (p) => ingestBar.update(p.frame, p.frames, `${p.samples} samples`),
    onTrain: trainReporter(trainBar),
    onStage: (s) => {
      if (s === 'train') ingestBar.done();
      ingestBar.event('stage', { stage: s }, mode === 'human' ? `— ${s}` : undefined);
    },
  });
  const s = r.ingest.dataset.info.splits;
  ingestBar.event('ingest', { dataset: r.ingest.dataset.dir, skipped: r.ingest.skipped }, `dataset ${r.ingest.skipped ? '(reused) ' : ''}${r.ingest.dataset.dir}: train/val/test ${s.train.samples}/${s.val.samples}/${s.test.samples}`);
  ingestBar.event('evaluation', { report: r.evaluation }, `\ntest split (${r.evaluation.samples} samples), best checkpoint ${r.train.best}:\n${formatEvaluation(r.evaluation, r.ingest.dataset.info.timeStepHours)}\n`);
  for (const line of verdictLines(r.evaluation)) ingestBar.event('verdict', {}, line);
  ingestBar.event('forecast', { dir: r.forecast.dir, files: r.forecast.files, issueTime: r.forecast.issueTime }, outputLines(r.forecast).join('\n'));
  ingestBar.event('timings', r.seconds, `time: ingest ${r.seconds.ingest.toFixed(1)} s, train ${r.seconds.train.toFixed(1)} s, evaluate ${r.seconds.evaluate.toFixed(1)} s, predict ${r.seconds.predict.toFixed(1)} s`);
  return r;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'ingest → train → evaluate → predict in one process, skipping work already done',
  help: `usage: gridcast run CONFIG [options]

Runs every stage of the config in this process (no Redis): ingest the sources into
<out>/dataset, train into <out>/checkpoints (resuming an interrupted run), evaluate the best
checkpoint on the test split (<out>/evaluation.json), and forecast from the latest inputs into
<out>/forecasts/. Stages whose outputs already match their inputs are skipped.

options:
  --hindcast    issue the forecast tOut steps before the last input, so quicklooks show observations
${COMMON_HELP}`,
  async run(argv) {
    const { values, positionals } = parse(argv, { ...COMMON_OPTIONS, hindcast: { type: 'boolean' } });
    if (values.help) { process.stdout.write(`${this.help}\n`); return 0; }
    const loaded = await loadWithOverrides(positionals[0], values);
    await runWithReport(loaded, outputMode(values), !!values.hindcast);
    return 0;
  },
};

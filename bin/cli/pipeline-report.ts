/** Shared presentation of pipeline progress and results for run, demo and the stage commands. */
import type { TrainEvent } from '../../pipeline/stages/train.js';
import type { EvaluationReport } from '../../pipeline/stages/evaluate.js';
import type { PredictResult } from '../../pipeline/stages/predict.js';
import type { Progress } from './progress.js';

/** Forwards training events to a progress reporter. */
export function trainReporter(p: Progress): (e: TrainEvent) => void {
  let epochs = 0;
  let batches = 0;
  return (e) => {
    if (e.type === 'start') {
      epochs = e.epochs;
      batches = e.batchesPerEpoch;
      p.event('train-start', e, `training on ${e.backend}: ${e.trainSamples} training / ${e.valSamples} validation samples, ${e.batchesPerEpoch} batches per epoch${e.fromEpoch ? `, resuming after epoch ${e.fromEpoch}` : ''}`);
    } else if (e.type === 'batch') {
      p.update((e.epoch - 1) * batches + e.batch, epochs * batches, `epoch ${e.epoch}/${e.epochs} loss ${e.loss.toFixed(4)}`);
    } else if (e.type === 'epoch') {
      const r = e.record;
      p.event('epoch', { ...r, improved: e.improved, etaSeconds: e.etaSeconds }, `epoch ${r.epoch}/${e.epochs}  loss ${r.loss.toFixed(4)}  val ${r.valLoss.toFixed(4)}${e.improved ? ' *' : ''}  lr ${r.learningRate.toExponential(1)}  ${r.samplesPerSecond.toFixed(0)} samples/s`);
    } else if (e.type === 'end') {
      p.done();
      p.event('train-end', e, e.skipped ? `training already complete (best epoch ${e.bestEpoch}, val loss ${e.bestValLoss.toFixed(4)})` : `training ${e.stopped === 'early-stopping' ? 'stopped early' : 'finished'}: best epoch ${e.bestEpoch}, val loss ${e.bestValLoss.toFixed(4)}`);
    }
  };
}

/** One line per target channel: RMSE of the model vs persistence and the skill. */
export function verdictLines(r: EvaluationReport): string[] {
  return r.summary.map((s) => {
    const beat = s.skillVsPersistence > 0;
    return `${s.channel}: RMSE ${s.rmse.toFixed(3)} vs persistence ${s.persistenceRmse.toFixed(3)} → skill ${(100 * s.skillVsPersistence).toFixed(1)}% ${beat ? 'BEATS' : 'does NOT beat'} persistence (skill vs climatology ${(100 * s.skillVsClimatology).toFixed(1)}%)`;
  });
}

/** Lines listing a forecast's output files. */
export function outputLines(f: PredictResult): string[] {
  return [`forecast issued ${f.issueTime}, valid ${f.validTimes[0]} .. ${f.validTimes[f.validTimes.length - 1]}: ${f.dir}`, ...f.files.map((x) => `  ${x.kind.padEnd(7)} ${x.file}`)];
}

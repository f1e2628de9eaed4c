/**
 * The whole chain in one process (embedded mode): ingest → train → evaluate → predict, each
 * stage skipping work whose output already exists and matches its inputs (ingest by input hash,
 * train by run hash via its `last` checkpoint), and resuming an interrupted training run.
 */
import type { IngestProgress } from '../datasets/dataset/build-dataset.js';
import type { LoadedConfig } from './config/load-config.js';
import { evaluate, type EvaluationReport } from './stages/evaluate.js';
import { ingest, type IngestResult } from './stages/ingest.js';
import { predict, type PredictResult } from './stages/predict.js';
import { train, type TrainEvent, type TrainResult } from './stages/train.js';

export interface RunOptions {
  /** Forecast from tOut steps before the end so the quicklooks show observations too. */
  hindcast?: boolean;
  onIngest?: (p: IngestProgress) => void;
  onTrain?: (e: TrainEvent) => void;
  onStage?: (stage: 'ingest' | 'train' | 'evaluate' | 'predict') => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RunResult {
  ingest: IngestResult;
  train: TrainResult;
  evaluation: EvaluationReport;
  forecast: PredictResult;
  seconds: { ingest: number; train: number; evaluate: number; predict: number };
}

/** Runs every stage for `loaded`. */
export async function runPipeline(loaded: LoadedConfig, o: RunOptions = {}): Promise<RunResult> {
  const timed = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
    const t0 = performance.now();
    const r = await f();
    return [r, (performance.now() - t0) / 1000];
  };
  o.onStage?.('ingest');
  const [ing, tIngest] = await timed(() => ingest(loaded, { onProgress: o.onIngest, signal: o.signal }));
  o.onStage?.('train');
  const [tr, tTrain] = await timed(() => train(loaded, ing.dataset, { onEvent: o.onTrain, signal: o.signal, log: o.log }));
  o.onStage?.('evaluate');
  const [ev, tEval] = await timed(() => evaluate(loaded, ing.dataset, tr.best, { log: () => {} }));
  o.onStage?.('predict');
  const [fc, tPred] = await timed(() => predict(loaded, { checkpoint: tr.best, hindcast: o.hindcast, log: () => {}, signal: o.signal }));
  return { ingest: ing, train: tr, evaluation: ev, forecast: fc, seconds: { ingest: tIngest, train: tTrain, evaluate: tEval, predict: tPred } };
}

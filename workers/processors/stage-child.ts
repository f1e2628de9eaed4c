/**
 * Entry of the child process that runs a compute-heavy pipeline stage for a worker: `train` (and
 * `evaluate` of its best checkpoint) for the train processor, `predict` for the predict processor.
 * Both are synchronous compute on the CPU backends (one native layer call over a large grid can
 * run for many seconds): a BullMQ worker doing it in-process could not renew its job lock or react
 * to SIGTERM, and a long epoch or forecast would make the job look stalled and run twice. In a
 * child, the worker's own event loop stays free (BullMQ's sandboxed processors exist for the same
 * reason).
 *
 * Protocol (IPC, advanced serialisation): the parent sends one {@link StageChildRequest}; the child
 * sends `{ type: 'event', event }` for every train event and `{ type: 'log', line }` for log lines,
 * then `{ type: 'result', result }` or `{ type: 'error', error }`, and exits. A later
 * `{ type: 'abort' }` from the parent aborts the stage at its next check (a predict then removes
 * its temporary output; training keeps its last complete checkpoint). The child also stops at the
 * next check when its parent is gone (a killed worker must not leave a stage writing behind it).
 */
import { openDataset } from '../../datasets/dataset/open-dataset.js';
import { isGridcastError } from '../../datasets/errors.js';
import { validateConfig } from '../../pipeline/config/load-config.js';
import { evaluate } from '../../pipeline/stages/evaluate.js';
import { predict, type PredictResult } from '../../pipeline/stages/predict.js';
import { train, type TrainEvent, type TrainResult } from '../../pipeline/stages/train.js';

/** A config as the child re-validates it (the parent already did; the child trusts no one). */
interface ConfigRef {
  config: unknown;
  file: string;
  baseDir: string;
}

/** Train (and evaluate the best checkpoint). */
export interface TrainChildRequest extends ConfigRef {
  stage: 'train';
  datasetDir: string;
  checkpointsDir: string;
  /** Where the evaluation report of the best checkpoint goes. */
  evaluationFile: string;
}

/** Predict with a checkpoint; the config's `out` is where forecasts land. */
export interface PredictChildRequest extends ConfigRef {
  stage: 'predict';
  checkpoint: string;
  hindcast?: boolean;
  at?: string;
}

/** What the parent asks for. */
export type StageChildRequest = TrainChildRequest | PredictChildRequest;

/** The child's result for each request. */
export type TrainChildResult = TrainResult & { testRmse: number | null };
export type StageChildResult<R extends StageChildRequest> = R extends TrainChildRequest ? TrainChildResult : PredictResult;

/** What the child answers with. */
export type StageChildMessage =
  | { type: 'event'; event: TrainEvent }
  | { type: 'log'; line: string }
  | { type: 'result'; result: TrainChildResult | PredictResult }
  | { type: 'error'; error: { name: string; kind?: string; message: string; stack?: string } };

/** What the parent may send after the request. */
export type StageChildControl = { type: 'abort' };

async function runTrain(req: TrainChildRequest, send: (m: StageChildMessage) => void, signal: AbortSignal): Promise<TrainChildResult> {
  const loaded = validateConfig(req.config, req.file, req.baseDir);
  const ds = await openDataset(req.datasetDir);
  const r = await train(loaded, ds, {
    checkpointsDir: req.checkpointsDir,
    signal,
    log: (line) => send({ type: 'log', line }),
    onEvent: (event) => send({ type: 'event', event }),
  });
  let testRmse: number | null = null;
  try {
    const ev = await evaluate(loaded, ds, r.best, { outFile: req.evaluationFile, log: () => {} });
    const rmse = ev.summary.map((s) => s.rmse).filter(Number.isFinite);
    testRmse = rmse.length ? rmse.reduce((a, b) => a + b, 0) / rmse.length : null;
  } catch (e) {
    if (!isGridcastError(e, 'MissingInput')) throw e; // an empty test split leaves the run unscored
  }
  return { ...r, testRmse };
}

async function runPredict(req: PredictChildRequest, send: (m: StageChildMessage) => void, signal: AbortSignal): Promise<PredictResult> {
  const loaded = validateConfig(req.config, req.file, req.baseDir);
  return predict(loaded, { checkpoint: req.checkpoint, hindcast: req.hindcast, at: req.at, signal, log: (line) => send({ type: 'log', line }) });
}

/**
 * An AbortSignal that fires on the parent's `abort` message or when the parent process is gone.
 * `signal.aborted` is a getter here: process.ppid is read live (a syscall), so the check works
 * even while the event loop is busy with synchronous compute and cannot deliver IPC messages.
 */
function parentSignal(): { signal: AbortSignal; abort: (reason: string) => void } {
  const controller = new AbortController();
  const parent = process.ppid;
  const signal = controller.signal;
  const abort = (reason: string) => { if (!signal.aborted) controller.abort(new Error(reason)); };
  const watched = new Proxy(signal, {
    get(target, prop) {
      if ((prop === 'aborted' || prop === 'throwIfAborted') && process.ppid !== parent) abort('the worker process that started this stage is gone');
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { signal: watched, abort };
}

if (process.send) {
  const send = (m: StageChildMessage) => { process.send!(m); };
  const { signal, abort } = parentSignal();
  process.once('message', (req: StageChildRequest) => {
    process.on('message', (m: StageChildControl) => { if (m?.type === 'abort') abort('aborted by the worker (shutdown or lost lock)'); });
    const run: Promise<TrainChildResult | PredictResult> = req.stage === 'predict' ? runPredict(req, send, signal) : runTrain(req, send, signal);
    run.then(
      (result) => { send({ type: 'result', result }); process.disconnect(); },
      (e: unknown) => {
        const err = e as Error & { kind?: string };
        send({ type: 'error', error: { name: err?.name ?? 'Error', kind: isGridcastError(e) ? err.kind : undefined, message: err?.message ?? String(e), stack: err?.stack } });
        process.disconnect();
      },
    );
  });
  process.once('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
}

/**
 * Entry of the child process that runs pipeline `train` (and `evaluate` of its best checkpoint)
 * for the train processor. Training on the CPU backends is synchronous compute that keeps the
 * event loop busy for a whole epoch — a BullMQ worker doing it in-process could not renew its
 * job lock or react to SIGTERM, and a long epoch would make the job look stalled and run twice.
 * In a child, the worker's own event loop stays free (BullMQ's sandboxed processors exist for the
 * same reason).
 *
 * Protocol (IPC, advanced serialisation): the parent sends one {@link TrainChildRequest}; the child
 * sends `{ type: 'event', event }` for every train event, then `{ type: 'result', result }` or
 * `{ type: 'error', error }`, and exits. The child stops at the next batch when its parent is gone
 * (a killed worker must not leave a trainer writing checkpoints behind it).
 */
import { openDataset } from '../../datasets/dataset/open-dataset.js';
import { isGridcastError } from '../../datasets/errors.js';
import { validateConfig } from '../../pipeline/config/load-config.js';
import { evaluate } from '../../pipeline/stages/evaluate.js';
import { train, type TrainEvent, type TrainResult } from '../../pipeline/stages/train.js';

/** What the parent asks for. */
export interface TrainChildRequest {
  config: unknown;
  file: string;
  baseDir: string;
  datasetDir: string;
  checkpointsDir: string;
  /** Where the evaluation report of the best checkpoint goes. */
  evaluationFile: string;
}

/** What the child answers with. */
export type TrainChildMessage =
  | { type: 'event'; event: TrainEvent }
  | { type: 'log'; line: string }
  | { type: 'result'; result: TrainResult & { testRmse: number | null } }
  | { type: 'error'; error: { name: string; kind?: string; message: string; stack?: string } };

async function run(req: TrainChildRequest, send: (m: TrainChildMessage) => void): Promise<void> {
  const parent = process.ppid;
  const orphaned = () => process.ppid !== parent;
  const loaded = validateConfig(req.config, req.file, req.baseDir);
  const ds = await openDataset(req.datasetDir);
  const r = await train(loaded, ds, {
    checkpointsDir: req.checkpointsDir,
    log: (line) => send({ type: 'log', line }),
    onEvent: (event) => {
      // process.ppid is read live (a syscall): this works even while the event loop is busy.
      if (orphaned()) throw new Error('the worker process that started this training is gone');
      send({ type: 'event', event });
    },
  });
  let testRmse: number | null = null;
  try {
    const ev = await evaluate(loaded, ds, r.best, { outFile: req.evaluationFile, log: () => {} });
    const rmse = ev.summary.map((s) => s.rmse).filter(Number.isFinite);
    testRmse = rmse.length ? rmse.reduce((a, b) => a + b, 0) / rmse.length : null;
  } catch (e) {
    if (!isGridcastError(e, 'MissingInput')) throw e; // an empty test split leaves the run unscored
  }
  send({ type: 'result', result: { ...r, testRmse } });
}

if (process.send) {
  const send = (m: TrainChildMessage) => { process.send!(m); };
  process.once('message', (req: TrainChildRequest) => {
    run(req, send).then(
      () => process.disconnect(),
      (e: unknown) => {
        const err = e as Error & { kind?: string };
        send({ type: 'error', error: { name: err?.name ?? 'Error', kind: isGridcastError(e) ? err.kind : undefined, message: err?.message ?? String(e), stack: err?.stack } });
        process.disconnect();
      },
    );
  });
  process.once('disconnect', () => setTimeout(() => process.exit(0), 100).unref());
}

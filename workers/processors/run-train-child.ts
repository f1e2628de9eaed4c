/**
 * Runs pipeline `train` + `evaluate` in a child process (see train-child.ts for why) and
 * relays its events. Aborting the signal kills the child: checkpoints are written atomically,
 * so the last complete epoch stays for the next attempt to resume from.
 */
import { fork } from 'node:child_process';
import { GridcastError } from '../../datasets/errors.js';
import type { TrainEvent, TrainResult } from '../../pipeline/stages/train.js';
import type { TrainChildMessage, TrainChildRequest } from './train-child.js';

/** An error raised in the training child, with its kind kept for retry decisions. */
export class TrainChildError extends GridcastError {
  override readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Options of {@link runTrainChild}. */
export interface RunTrainChildOptions {
  onEvent?: (e: TrainEvent) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

const childPath = new URL(`./train-child${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Train in a child process; resolves with its result, rejects with its error (kind kept). */
export function runTrainChild(req: TrainChildRequest, o: RunTrainChildOptions = {}): Promise<TrainResult & { testRmse: number | null }> {
  o.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    // Same Node flags (e.g. `--import tsx` in development) as this process.
    const child = fork(childPath, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    let result: (TrainResult & { testRmse: number | null }) | undefined;
    let failure: Error | undefined;
    const onAbort = () => { child.kill('SIGKILL'); };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: TrainChildMessage) => {
      if (m.type === 'event') o.onEvent?.(m.event);
      else if (m.type === 'log') o.log?.(m.line);
      else if (m.type === 'result') result = m.result;
      else if (m.type === 'error') {
        const e = m.error.kind ? new TrainChildError(m.error.kind, m.error.message) : new Error(m.error.message);
        e.name = m.error.name;
        if (m.error.stack) e.stack = m.error.stack;
        failure = e;
      }
    });
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) reject(o.signal.reason ?? new Error('aborted'));
      else if (err) reject(err);
      else resolve(result!);
    };
    child.once('error', (e) => finish(e));
    child.once('exit', (code, sig) => {
      if (failure) finish(failure);
      else if (result) finish();
      else finish(new Error(`training process ended without a result (exit code ${code}${sig ? `, signal ${sig}` : ''})`));
    });
    child.send(req);
  });
}

/**
 * Runs a pipeline stage (`train` + `evaluate`, or `predict`) in a child process (see
 * stage-child.ts for why) and relays its events and log lines. Aborting the signal asks the
 * child to stop at its next check (a predict removes its temporary output, training keeps its
 * last complete checkpoint) and kills it if it has not ended after a grace period: outputs and
 * checkpoints are written atomically, so even a kill leaves no partial result behind.
 */
import { fork } from 'node:child_process';
import { GridcastError } from '../../datasets/errors.js';
import type { TrainEvent } from '../../pipeline/stages/train.js';
import type { StageChildControl, StageChildMessage, StageChildRequest, StageChildResult } from './stage-child.js';

/** An error raised in the stage child, with its kind kept for retry decisions. */
export class StageChildError extends GridcastError {
  override readonly kind: string;
  constructor(kind: string, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Options of {@link runStageChild}. */
export interface RunStageChildOptions {
  onEvent?: (e: TrainEvent) => void;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** How long an aborted child may take to stop before it is killed (ms, default 10 000). */
  graceMs?: number;
}

const fromSource = import.meta.url.endsWith('.ts');
const childPath = new URL(`./stage-child${fromSource ? '.ts' : '.js'}`, import.meta.url);
/**
 * Same Node flags as this process (e.g. `--import tsx` in development); run from source without
 * them (under a test runner that transforms TypeScript itself), the child gets tsx's loader.
 */
const childExecArgv = fromSource && !process.execArgv.some((a) => a.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : process.execArgv;

/** Run `req` in a child process; resolves with its result, rejects with its error (kind kept). */
export function runStageChild<R extends StageChildRequest>(req: R, o: RunStageChildOptions = {}): Promise<StageChildResult<R>> {
  o.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = fork(childPath, [], { execArgv: childExecArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    let result: StageChildResult<R> | undefined;
    let failure: Error | undefined;
    let killer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (child.connected) child.send({ type: 'abort' } satisfies StageChildControl, () => {});
      killer = setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 10_000);
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (m: StageChildMessage) => {
      if (m.type === 'event') o.onEvent?.(m.event);
      else if (m.type === 'log') o.log?.(m.line);
      else if (m.type === 'result') result = m.result as StageChildResult<R>;
      else if (m.type === 'error') {
        const e = m.error.kind ? new StageChildError(m.error.kind, m.error.message) : new Error(m.error.message);
        e.name = m.error.name;
        if (m.error.stack) e.stack = m.error.stack;
        failure = e;
      }
    });
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(killer);
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) reject(o.signal.reason ?? new Error('aborted'));
      else if (err) reject(err);
      else resolve(result!);
    };
    child.once('error', (e) => finish(e));
    child.once('exit', (code, sig) => {
      if (failure) finish(failure);
      else if (result) finish();
      else finish(new Error(`${req.stage} process ended without a result (exit code ${code}${sig ? `, signal ${sig}` : ''})`));
    });
    child.send(req);
  });
}

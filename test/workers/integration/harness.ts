/**
 * Test harness for integration tests with real worker processes: spawns
 * `node --import tsx bin/gridcast.ts worker KIND` with a test prefix, root and Redis URL, keeps
 * their logs, and kills every one of them in `stopAll()` (call from afterAll, also on failure).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { QueueKind } from '../../../workers/jobs/job-data.js';

const repo = resolve(import.meta.dirname, '..', '..', '..');

/** A spawned worker process. */
export interface WorkerProc {
  kind: QueueKind;
  child: ChildProcess;
  pid: number;
  /** Everything it wrote to stderr/stdout so far. */
  log(): string;
  /** Resolves with the exit code/signal when it ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Worker processes of one test file. */
export class WorkerFleet {
  readonly procs: WorkerProc[] = [];
  constructor(readonly env: { redisUrl: string; prefix: string; root: string; extra?: Record<string, string> }) {}

  /** Spawn a worker for `kind`; resolves once it logged that it is ready. */
  async start(kind: QueueKind, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<WorkerProc> {
    const env: NodeJS.ProcessEnv = {
      ...process.env, REDIS_URL: this.env.redisUrl, GRIDCAST_PREFIX: this.env.prefix, GRIDCAST_ROOT: this.env.root,
      ...this.env.extra, ...extraEnv,
    };
    // Everything under the test's root, whatever the surrounding environment says.
    for (const k of ['GRIDCAST_CHECKPOINT_DIR', 'GRIDCAST_OUTPUT_DIR', 'GRIDCAST_WORK_DIR']) if (!(k in extraEnv)) delete env[k];
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/gridcast.ts', 'worker', kind, ...args], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const p: WorkerProc = { kind, child, pid: child.pid!, log: () => text, exited };
    this.procs.push(p);
    await waitFor(() => text.includes('worker ready'), 60_000, `${kind} worker ready`, () => text);
    return p;
  }

  /** Kill every process still running (SIGKILL) and wait for them. */
  async stopAll(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await Promise.all(this.procs.map(async (p) => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
      await Promise.race([p.exited, new Promise((r) => setTimeout(r, 10_000))]);
    }));
  }

  /** All logs, for failure messages. */
  logs(): string {
    return this.procs.map((p) => `--- ${p.kind} ${p.pid}\n${p.log()}`).join('\n');
  }
}

/** Poll `cond` every 200 ms until it is truthy; throws after `timeoutMs` with `what` (and `detail()`). */
export async function waitFor<T>(cond: () => T | Promise<T>, timeoutMs: number, what: string, detail?: () => string): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail ? `\n${detail()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

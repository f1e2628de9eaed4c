/**
 * Test harness for integration tests with real worker processes: spawns
 * `node --import tsx bin/gridcast.ts worker KIND` with a test prefix, root and Redis URL, keeps
 * their logs, and kills every one of them in `stopAll()` (call from afterAll, also on failure).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { QueueKind } from '../../../workers/jobs/job-data.js';
import { openProducers, type Producers } from '../../../workers/flows/queues-handle.js';
import { createWorkerConnection } from '../../../workers/redis/connection.js';
import { deleteKeys, stopTestRedis, testRedisUrl, uniquePrefix } from '../redis/redis-server.js';

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

/** What an integration test shares: a Redis, a key prefix, temporary directories, workers, producers. */
export interface IntegrationEnv {
  url: string;
  prefix: string;
  root: string;
  dataDir: string;
  fleet: WorkerFleet;
  producers: Producers;
  client: Redis;
  /** Stops the workers, closes connections, deletes the prefix's keys and the directories. */
  close(): Promise<void>;
}

/**
 * Sets up an IntegrationEnv named `name` (key prefix and directory names) with extra worker
 * environment variables (short locks for stalled-job tests).
 */
export async function openIntegrationEnv(name: string, extra?: Record<string, string>): Promise<IntegrationEnv> {
  const url = await testRedisUrl();
  const prefix = uniquePrefix(name);
  const root = await mkdtemp(join(tmpdir(), `gridcast-${name}-root-`));
  const dataDir = await mkdtemp(join(tmpdir(), `gridcast-${name}-data-`));
  const fleet = new WorkerFleet({ redisUrl: url, prefix, root, extra });
  const producers = openProducers(prefix, { url });
  const client = createWorkerConnection({ url });
  return {
    url, prefix, root, dataDir, fleet, producers, client,
    async close() {
      await fleet.stopAll();
      await producers.close();
      await deleteKeys(client, prefix);
      client.disconnect();
      await rm(root, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
      await stopTestRedis();
    },
  };
}

/**
 * Main-thread side of the HDF5 isolation: every h5wasm call runs in one shared worker thread
 * (h5-worker.ts) with a deadline. A call that overruns it — HDF5 looping on a corrupt structure —
 * terminates the worker and fails with CorruptFileError; files that were open in that worker fail
 * with the same error on their next call, and the next open starts a fresh worker. Never a hang.
 *
 * The deadline is `GRIDCAST_HDF5_TIMEOUT_MS` (default 60 000 ms) plus, for reads, 1 ms per
 * 100 kB requested, far above what healthy files need (a 1 MB chunk takes ~5 ms).
 *
 * ```ts
 * const client = H5Client.shared();
 * const { handle, structure } = await client.request({ op: 'open', file, path }, file);
 * ```
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  AbsurdSizeError, CorruptFileError, GridcastError, InvalidOptionError, TruncatedFileError, UnknownFormatError,
  UnsupportedFeatureError,
} from '../../errors.js';
import type { SerializedError, WorkerCall } from './h5-worker.js';

/** Default deadline of one HDF5 call, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 60_000;

const CLASSES: Record<string, new (message: string, ctx: object) => GridcastError> = {
  CorruptFile: CorruptFileError, TruncatedFile: TruncatedFileError, UnknownFormat: UnknownFormatError,
  UnsupportedFeature: UnsupportedFeatureError, AbsurdSize: AbsurdSizeError, InvalidOption: InvalidOptionError,
};

/** Rebuilds a worker's GridcastError (its message already names file and variable; strip that). */
function revive(e: SerializedError): GridcastError {
  let message = e.message;
  const where = [e.file, e.variable && `variable '${e.variable}'`].filter(Boolean).join(', ');
  if (where && message.startsWith(`${where}: `)) message = message.slice(where.length + 2);
  const tail = e.expected ? ` (expected ${e.expected})` : '';
  if (tail && message.endsWith(tail)) message = message.slice(0, -tail.length);
  const Cls = CLASSES[e.kind] ?? GridcastError;
  return new Cls(message, { file: e.file, variable: e.variable, expected: e.expected });
}

function timeoutMs(): number {
  const env = Number(process.env.GRIDCAST_HDF5_TIMEOUT_MS);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_TIMEOUT_MS;
}

/**
 * Where the worker's code is, and the loader TypeScript sources need (tsx; compiled builds need
 * none). Loaders given to the parent on the command line do not reach worker threads in Node 20
 * (nor does vitest's transform), so a small bootstrap registers tsx's ESM hooks inside the worker
 * before importing it.
 */
function workerSpec(): { url: string; loader?: string } {
  const self = new URL(import.meta.url);
  const ts = self.pathname.endsWith('.ts');
  const url = new URL(`./h5-worker.${ts ? 'ts' : 'js'}`, self).href;
  // 'tsx/esm/api' resolves to its CommonJS build under require(); the worker imports the ESM twin.
  const api = createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs');
  return ts ? { url, loader: pathToFileURL(api).href } : { url };
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.loader) {
    const api = await import(workerData.loader);
    (api.register ?? api.default.register)();
  }
  await import(workerData.url);
})().catch((e) => { setImmediate(() => { throw e; }); });
`;

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

/** A worker generation; handles opened in one are dead once it is terminated. */
export class H5Client {
  private static current: H5Client | undefined;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Why this worker was stopped; set once, then every call fails. */
  private deadBecause: string | undefined;

  private constructor() {
    this.worker = new Worker(BOOTSTRAP, { eval: true, workerData: workerSpec() });
    this.worker.unref(); // an idle HDF5 worker must not keep the process alive
    this.worker.on('message', (msg: { id: number; result?: unknown; error?: SerializedError }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(revive(msg.error));
      else p.resolve(msg.result);
    });
    this.worker.on('error', (e) => this.kill(`the HDF5 worker failed: ${e.message}`));
    this.worker.on('exit', (code) => this.kill(`the HDF5 worker exited (code ${code})`));
  }

  /** The live worker, started on first use and after a terminated one. */
  static shared(): H5Client {
    if (!H5Client.current || H5Client.current.deadBecause) H5Client.current = new H5Client();
    return H5Client.current;
  }

  /** True once this worker was terminated (its handles are gone). */
  get dead(): boolean {
    return this.deadBecause !== undefined;
  }

  private kill(reason: string): void {
    if (this.deadBecause) return;
    this.deadBecause = reason;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new CorruptFileError(reason));
    }
    this.pending.clear();
    // Terminating also closes the descriptors HDF5 held in that thread (the fuzz test checks it).
    void this.worker.terminate();
  }

  /**
   * Sends one request; `file`/`variable` name the culprit if it overruns `extraMs` plus the
   * deadline, in which case the worker is terminated.
   */
  request<T>(req: WorkerCall, file: string, variable?: string, extraMs = 0): Promise<T> {
    if (this.deadBecause) {
      return Promise.reject(new CorruptFileError(`HDF5 was stopped earlier (${this.deadBecause}); reopen the file`, { file, variable }));
    }
    const id = this.nextId++;
    const limit = timeoutMs() + extraMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        const reason = `HDF5 did not finish '${req.op}' within ${limit} ms`;
        reject(new CorruptFileError(`${reason}; the file is probably corrupt (a structure that loops)`, { file, variable }));
        this.kill(`${reason} on ${file}`);
      }, limit);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.worker.ref(); // keep the process alive while a call is outstanding
      this.worker.postMessage({ ...req, id });
    }).finally(() => {
      if (this.pending.size === 0 && !this.deadBecause) this.worker.unref();
    });
  }
}

/**
 * SHA-256 off the main thread. The main thread of a worker process is busy parsing Redis replies
 * (and writing requests); hashing the same bytes twice there (per chunk, and the whole blob) cost
 * about half the transport throughput. Here the bytes sit in a SharedArrayBuffer and hash threads
 * read them in place — no copies — while the main thread keeps moving data.
 *
 * ```ts
 * const pool = hashPool(2);
 * const whole = pool.stream();          // one running hash, kept on one thread (order matters)
 * const c0 = pool.digest(view0);        // one-shot digests spread over the other threads
 * whole.update(view0);
 * const [d0, all] = await Promise.all([c0, whole.digest()]);
 * ```
 * Views passed in must be backed by a SharedArrayBuffer and must not change until their promise
 * (or the stream's `updated` promise) settles. The threads hash with the codec addon's SHA-NI
 * code when it is in use (datasets/native/codecs.ts), else with node:crypto; same digests.
 */
import { Worker } from 'node:worker_threads';
import { nativeSha256AddonPath } from '../../datasets/native/codecs.js';
import { TransportError } from '../errors.js';

// CommonJS source evaluated in the thread: no file to resolve, so it works from TypeScript
// sources (tsx, vitest) and from the built dist alike.
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let native = null;
try { if (workerData && workerData.addon) native = require(workerData.addon); } catch { native = null; }
const newHash = native ? () => new native.Sha256() : () => createHash('sha256');
const hex = (h) => (native ? h.digest() : h.digest('hex'));
const streams = new Map();
parentPort.on('message', (m) => {
  try {
    const view = m.buffer ? new Uint8Array(m.buffer, m.offset, m.length) : undefined;
    if (m.op === 'digest') {
      parentPort.postMessage({ seq: m.seq, hex: native ? native.sha256(view) : createHash('sha256').update(view).digest('hex') });
    } else if (m.op === 'update') {
      let h = streams.get(m.stream);
      if (!h) { h = newHash(); streams.set(m.stream, h); }
      h.update(view);
      parentPort.postMessage({ seq: m.seq });
    } else if (m.op === 'final') {
      const h = streams.get(m.stream) || newHash();
      streams.delete(m.stream);
      parentPort.postMessage({ seq: m.seq, hex: hex(h) });
    }
  } catch (e) {
    parentPort.postMessage({ seq: m.seq, error: String(e && e.message || e) });
  }
});
`;

interface Pending { resolve: (hex: string) => void; reject: (e: Error) => void }

/** One hash thread and the replies it owes. */
class HashThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private seq = 0;
  dead = false;

  constructor() {
    this.worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { addon: nativeSha256AddonPath() } });
    this.worker.on('message', (m: { seq: number; hex?: string; error?: string }) => {
      const p = this.pending.get(m.seq);
      this.pending.delete(m.seq);
      if (this.pending.size === 0) this.worker.unref();
      if (!p) return;
      if (m.error !== undefined) p.reject(new TransportError(`hash thread failed: ${m.error}`));
      else p.resolve(m.hex ?? '');
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`hash thread exited with code ${code}`)));
    // Never keep a process alive for an idle thread; ref'd only while replies are owed.
    this.worker.unref();
  }

  send(op: 'digest' | 'update' | 'final', view?: Uint8Array, stream?: number): Promise<string> {
    if (this.dead) return Promise.reject(new TransportError('hash thread is gone'));
    const seq = ++this.seq;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise<string>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.worker.postMessage({ op, seq, stream, buffer: view?.buffer, offset: view?.byteOffset, length: view?.byteLength });
    });
  }

  private fail(e: Error): void {
    this.dead = true;
    for (const p of this.pending.values()) p.reject(new TransportError('hash thread failed', { cause: e }));
    this.pending.clear();
  }
}

/** A running SHA-256 over views appended in order. */
export interface HashStream {
  /** Append `view`; the promise settles once the thread has read it (the view may then change). */
  update(view: Uint8Array): Promise<void>;
  /** The hex digest of everything appended. */
  digest(): Promise<string>;
}

/** A set of hash threads; see the module comment. */
export class HashPool {
  private threads: HashThread[] = [];
  private next = 0;
  private streams = 0;

  constructor(readonly size: number) {}

  private thread(i: number): HashThread {
    let t = this.threads[i];
    if (!t || t.dead) t = this.threads[i] = new HashThread();
    return t;
  }

  /** SHA-256 hex of `view` (SharedArrayBuffer-backed), on a thread other than the streams' when there are several. */
  digest(view: Uint8Array): Promise<string> {
    const i = this.size === 1 ? 0 : 1 + (this.next++ % (this.size - 1));
    return this.thread(i).send('digest', assertShared(view));
  }

  /** SHA-256 (32 raw bytes) of `view` (SharedArrayBuffer-backed), on the threads in turn. */
  async digestBytes(view: Uint8Array): Promise<Buffer> {
    const hex = await this.thread(this.next++ % this.size).send('digest', assertShared(view));
    return Buffer.from(hex, 'hex');
  }

  /** A running hash kept on thread 0 (messages to one thread are handled in order). */
  stream(): HashStream {
    const id = ++this.streams;
    const t = this.thread(0);
    return {
      update: async (view) => { await t.send('update', assertShared(view), id); },
      digest: () => t.send('final', undefined, id),
    };
  }
}

function assertShared(view: Uint8Array): Uint8Array {
  if (!(view.buffer instanceof SharedArrayBuffer)) throw new TransportError('hash pool views must be backed by a SharedArrayBuffer');
  return view;
}

const pools = new Map<number, HashPool>();

/** The process-wide pool of `threads` hash threads (created on first use, threads started lazily). */
export function hashPool(threads: number): HashPool {
  let p = pools.get(threads);
  if (!p) pools.set(threads, (p = new HashPool(threads)));
  return p;
}

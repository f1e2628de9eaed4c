/**
 * Worker-thread side of the HDF5 isolation (see h5-client.ts): owns the h5wasm instances (one
 * per open file) and answers requests from the main thread. HDF5 calls are synchronous and a
 * corrupt file can make them loop forever (e.g. a global heap object of size 0 while reading a
 * variable-length string attribute); in a worker such a call can be stopped by terminating the
 * thread, which no timeout on the main thread could do.
 *
 * Protocol: `{ id, op, ...args }` in, `{ id, result }` or `{ id, error }` out, where `error`
 * carries a GridcastError's kind, message and context so the client can rebuild it.
 */
import { parentPort } from 'node:worker_threads';
import { GridcastError } from '../../errors.js';
import type { DType } from '../types.js';
import { H5Runtime, type H5Metadata } from './h5-runtime.js';
import { objectAddress, readHyperslab } from './h5-values.js';
import { buildStructure } from './structure.js';

/** Requests the worker understands. */
export type WorkerRequest =
  | { id: number; op: 'open'; file: string; path: string }
  | { id: number; op: 'read'; handle: number; path: string; meta: H5Metadata; dtype: DType; start: number[]; count: number[]; variable: string }
  | { id: number; op: 'address'; handle: number; path: string; variable: string }
  | { id: number; op: 'close'; handle: number };

/** A request before the client numbers it. */
export type WorkerCall = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** A GridcastError in transit. */
export interface SerializedError {
  kind: string;
  name: string;
  message: string;
  file?: string;
  variable?: string;
  expected?: string;
}

interface OpenFile {
  rt: H5Runtime;
  fid: bigint;
  file: string;
}

const files = new Map<number, OpenFile>();
/** One healthy instance kept from the last closed file, to open the next one faster. */
let idle: H5Runtime | undefined;
let nextHandle = 1;

function get(handle: number): OpenFile {
  const f = files.get(handle);
  if (!f) throw new GridcastError(`HDF5 handle ${handle} is not open`);
  return f;
}

async function handle(req: WorkerRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  switch (req.op) {
    case 'open': {
      const rt = idle?.reuseFor(req.file) ?? (await H5Runtime.create(req.file));
      idle = undefined;
      let fid = -1n;
      try {
        fid = rt.call('open', (m) => m.open(req.path, m.H5F_ACC_RDONLY, false, -1, -1));
        if (fid < 0n) throw new GridcastError('HDF5 could not open the file', { file: req.file });
        const openFid = fid;
        const structure = rt.call('read structure', (m) => buildStructure(m, openFid, req.file));
        const h = nextHandle++;
        files.set(h, { rt, fid, file: req.file });
        return { result: { handle: h, structure } };
      } catch (e) {
        const openFid = fid;
        if (openFid >= 0n && !rt.broken) {
          try { rt.call('close', (m) => m.close_file(openFid)); } catch { /* already failing */ }
        }
        rt.release();
        throw e;
      }
    }
    case 'read': {
      const f = get(req.handle);
      const out = f.rt.call('read', (m) => readHyperslab(m, f.fid, req.path, req.meta, req.dtype, req.start, req.count, f.file, req.variable), req.variable);
      return { result: out, transfer: [out.buffer as ArrayBuffer] };
    }
    case 'address': {
      const f = get(req.handle);
      return { result: f.rt.call('locate', (m) => objectAddress(m, f.fid, req.path), req.variable) };
    }
    case 'close': {
      const f = files.get(req.handle);
      files.delete(req.handle);
      if (f) {
        try {
          if (!f.rt.broken) f.rt.call('close', (m) => m.close_file(f.fid));
        } finally {
          f.rt.release();
        }
        idle = f.rt.reuseFor(f.file) ?? idle;
      }
      return { result: true };
    }
  }
}

function serialize(e: unknown): SerializedError {
  if (e instanceof GridcastError) {
    return { kind: e.kind, name: e.name, message: e.message, file: e.file, variable: e.variable, expected: e.expected };
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { kind: 'Gridcast', name: 'GridcastError', message: `unexpected failure in the HDF5 worker: ${msg}` };
}

parentPort?.on('message', (req: WorkerRequest) => {
  handle(req).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: req.id, result }, transfer ?? []),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: serialize(e) }),
  );
});

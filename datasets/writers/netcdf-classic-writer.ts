/**
 * A small streaming NetCDF classic writer (Node-only): define dimensions, attributes and
 * variables first, then write data slab by slab or record by record, so a multi-GB file never
 * sits in memory. Output is CDF-1, or CDF-2 (64-bit offset) when a variable starts beyond 2 GiB
 * or is too large for CDF-1. It writes to a temporary name next to the target and renames it on
 * close(), so an error (or abort()) leaves no partial file behind. Data never written reads as
 * zeros (netcdf-c's "nofill" mode).
 *
 * ```ts
 * await withNetcdfClassicWriter('out.nc', {
 *   dimensions: [{ name: 'time', size: null }, { name: 'lat', size: 3 }, { name: 'lon', size: 4 }],
 *   attributes: { Conventions: 'CF-1.8' },
 *   variables: [{ name: 't2m', type: 'float', dims: ['time', 'lat', 'lon'], attributes: { units: 'K' } }],
 * }, async (w) => {
 *   for (let t = 0; t < 10; t++) await w.write('t2m', new Float32Array(12).fill(280 + t), t);
 * });
 * ```
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GridcastError, InvalidOptionError } from '../errors.js';
import { FileOpenError } from '../source/file-source.js';
import { encodeValues, WRITE_TYPES } from './netcdf-classic/encode.js';
import { type NetcdfClassicWriterOptions, planFile, type VarPlan } from './netcdf-classic/plan.js';

export type { NcWriteType } from './netcdf-classic/encode.js';

export type { NcAttributeInput, NcDimensionSpec, NcVariableSpec, NetcdfClassicWriterOptions } from './netcdf-classic/plan.js';

/** Numbers or text accepted by write(). */
export type NcWriteData = ArrayLike<number> | string;

/** A NetCDF classic file being written. Get one with NetcdfClassicWriter.create(). */
export class NetcdfClassicWriter {
  /** Records written so far (the current length of the unlimited dimension). */
  numrecs = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly tmpPath: string,
    private handle: FileHandle | null,
    /** 'cdf1' or 'cdf2', as chosen. */
    readonly format: 'cdf1' | 'cdf2',
    private readonly vars: Map<string, VarPlan>,
    private readonly recsize: number,
    private readonly dataEnd: number,
  ) {}

  /**
   * Validates the definitions, writes the header to a temporary file next to `path` and returns
   * the writer. InvalidOptionError names the offending field.
   */
  static async create(path: string, options: NetcdfClassicWriterOptions): Promise<NetcdfClassicWriter> {
    const plan = planFile(path, options);
    const tmpPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    let handle: FileHandle;
    try {
      handle = await open(tmpPath, 'wx');
    } catch (cause) {
      throw new FileOpenError(`cannot create ${tmpPath}: ${(cause as Error).message}`, { file: path, cause });
    }
    const w = new NetcdfClassicWriter(path, tmpPath, handle, plan.format, plan.vars, plan.recsize, plan.dataEnd);
    await w.io(() => handle.write(plan.header, 0, plan.header.length, 0));
    return w;
  }

  /**
   * Writes `data` into `variable` from index `start` of its first dimension on; `data` holds whole
   * slabs (records for record variables) in C order, so its length must be a multiple of the
   * product of the other dimensions. Scalars take one value with start 0. Char variables also take
   * a string (UTF-8, padded with NULs to whole slabs).
   */
  async write(variable: string, data: NcWriteData, start = 0): Promise<void> {
    if (this.closed || !this.handle) throw new GridcastError('write after close or abort', { file: this.path, variable });
    const v = this.vars.get(variable);
    if (!v) {
      throw new InvalidOptionError(`no variable '${variable}' was defined (defined: ${[...this.vars.keys()].join(', ')})`, { file: this.path, variable });
    }
    const size = WRITE_TYPES[v.spec.type].size;
    let bytes = encodeValues(v.spec.type, data, 'data', { file: this.path, variable });
    if (typeof data === 'string' && bytes.length % v.inner) {
      const padded = new Uint8Array(bytes.length + v.inner - (bytes.length % v.inner));
      padded.set(bytes);
      bytes = padded;
    }
    const n = bytes.length / size / v.inner;
    if (!Number.isInteger(start) || start < 0) {
      throw new InvalidOptionError(`start must be a non-negative integer, got ${start}`, { file: this.path, variable });
    }
    if (!Number.isInteger(n) || n === 0) {
      throw new InvalidOptionError(`data has ${bytes.length / size} values, not a positive multiple of ${v.inner}`, {
        file: this.path,
        variable,
        expected: `whole slabs of ${v.inner} values (dimensions ${v.spec.dims.slice(1).join(' × ') || 'none'})`,
      });
    }
    if (!v.record && start + n > (v.shape[0] ?? 1)) {
      throw new InvalidOptionError(`slabs ${start}..${start + n - 1} are beyond the first dimension's length ${v.shape[0] ?? 1}`, { file: this.path, variable });
    }
    const slab = v.inner * size;
    const h = this.handle;
    if (!v.record || this.recsize === slab) {
      // Contiguous: a non-record variable, or the sole record variable (records are not padded).
      const at = v.begin + start * slab;
      await this.io(() => h.write(bytes, 0, bytes.length, at));
    } else {
      for (let r = 0; r < n; r++) {
        const at = v.begin + (start + r) * this.recsize;
        await this.io(() => h.write(bytes, r * slab, slab, at));
      }
    }
    if (v.record) this.numrecs = Math.max(this.numrecs, start + n);
  }

  /** Writes one record of several record variables: `{ t2m: Float32Array, time: [6] }`. */
  async writeRecord(record: number, values: Record<string, NcWriteData>): Promise<void> {
    for (const [name, data] of Object.entries(values)) await this.write(name, data, record);
  }

  /** Stores the record count, sizes the file, and renames it to its final name. */
  async close(): Promise<void> {
    if (this.closed) return;
    const h = this.handle!;
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, this.numrecs);
    await this.io(() => h.write(count, 0, 4, 4));
    await this.io(() => h.truncate(this.dataEnd + this.numrecs * this.recsize));
    await this.io(() => h.close());
    this.handle = null;
    this.closed = true;
    try {
      await rename(this.tmpPath, this.path);
    } catch (cause) {
      await rm(this.tmpPath, { force: true });
      throw new GridcastError(`cannot rename the finished file into place: ${(cause as Error).message}`, { file: this.path, cause });
    }
  }

  /** Discards everything written; the target path is left untouched. */
  async abort(): Promise<void> {
    this.closed = true;
    const h = this.handle;
    this.handle = null;
    if (h) await h.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }

  /** Runs a file operation; an I/O failure aborts the file and becomes a GridcastError. */
  private async io<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (cause) {
      await this.abort();
      throw new GridcastError(`writing failed: ${(cause as Error).message}`, { file: this.path, cause });
    }
  }
}

/**
 * Creates a writer, runs `fill` with it and closes it; if `fill` throws, the file is aborted (no
 * partial file) and the error is rethrown.
 */
export async function withNetcdfClassicWriter(
  path: string,
  options: NetcdfClassicWriterOptions,
  fill: (w: NetcdfClassicWriter) => Promise<void>,
): Promise<void> {
  const w = await NetcdfClassicWriter.create(path, options);
  try {
    await fill(w);
    await w.close();
  } catch (e) {
    await w.abort();
    throw e;
  }
}


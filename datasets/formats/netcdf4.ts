/**
 * NetCDF-4 (HDF5-based) reader on h5wasm: dimensions from dimension scales, variables with their
 * dimensions, attributes, dtypes and storage (chunking, filters), and hyperslab reads into native
 * typed arrays. Sub-group variables are named by path ('forecast/t2m').
 *
 * ```ts
 * const ds = await openRaster('era5.nc');            // detected by the \x89HDF signature
 * ds.variables.find((v) => v.name === 't2m')?.storage // 'chunked 1x361x720, deflate level 1, shuffle'
 * const slice = await ds.read('t2m', [0, 0, 0], [1, 361, 720]); // Int16Array, raw stored values
 * await ds.close();
 * ```
 *
 * HDF5 runs in a worker thread with a deadline per call (netcdf4/h5-client.ts), each open file in
 * its own h5wasm instance (netcdf4/h5-runtime.ts): a corrupt file can neither hang the process nor
 * break another file. Files not on disk (a MemorySource) are copied to a temporary file first,
 * because HDF5 reads through a file system. Chunked deflate/shuffle variables are read without
 * HDF5, with Node's zlib on the thread pool (netcdf4/chunk-reader.ts) — faster, and in parallel.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html (NetCDF-4)
 * and https://support.hdfgroup.org/documentation/hdf5/latest/_f_m_t3.html (HDF5).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbsurdSizeError, GridcastError, TruncatedFileError, UnknownFormatError, UnknownVariableError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import { FileSource } from '../source/file-source.js';
import type { AttrValue, DimensionInfo, NumericArray, RasterDataset, RasterFormat, VariableInfo } from './types.js';
import { H5Client } from './netcdf4/h5-client.js';
import { arrayCtorOf, checkBox, MAX_READ_BYTES } from './netcdf4/h5-values.js';
import { readChunkIndex, superblockBase } from './netcdf4/chunk-index.js';
import { ChunkedReader, FAST_FILTERS } from './netcdf4/chunk-reader.js';
import { checkFilters } from './netcdf4/filters.js';
import { fillValueOf, placeBox } from './netcdf4/fill.js';
import type { Netcdf4Structure, Netcdf4Variable } from './netcdf4/structure.js';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** Shorter than any HDF5 superblock with its root group entry: cannot be a whole file. */
const MIN_HDF5_BYTES = 48;

/** An open NetCDF-4 / HDF5 file. Obtain one through `netcdf4Format.open` or `openRaster`. */
class Netcdf4Dataset implements RasterDataset {
  readonly format = 'netcdf4' as const;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  readonly attributes: Record<string, AttrValue>;
  readonly formatDetail: string;
  private readonly byName: Map<string, Netcdf4Variable>;
  private closed = false;
  /** Chunk locations per variable, found on first read (undefined: use h5wasm). */
  private readonly chunkReaders = new Map<string, Promise<ChunkedReader | undefined>>();

  constructor(
    readonly name: string,
    private readonly source: ByteSource,
    private readonly client: H5Client,
    private readonly handle: number,
    structure: Netcdf4Structure,
    superblockVersion: number,
    /** Base address of the file's addresses; undefined when the fast path cannot parse them. */
    private readonly base: number | undefined,
    private readonly cleanup: () => Promise<void>,
  ) {
    this.dimensions = structure.dimensions;
    this.attributes = structure.attributes;
    this.byName = new Map(structure.variables.map((v) => [v.name, v]));
    // Expose the public VariableInfo only; the HDF5 path and metadata stay internal.
    this.variables = structure.variables.map(({ name, dims, shape, dtype, attributes, storage }) => ({ name, dims, shape, dtype, attributes, storage }));
    const kind = !structure.netcdf ? 'HDF5 (no NetCDF-4 dimension metadata; phony dimensions)' : structure.classicModel ? 'NetCDF-4 classic model' : 'NetCDF-4';
    const extra = [`HDF5 superblock v${superblockVersion}`];
    if (structure.properties) extra.push(structure.properties);
    if (structure.groups.length) extra.push(`groups: ${structure.groups.join(', ')}`);
    this.formatDetail = `${kind} (${extra.join('; ')})`;
  }

  async read(variable: string, start?: number[], count?: number[]): Promise<NumericArray> {
    if (this.closed) throw new GridcastError('read after close', { file: this.name, variable });
    const v = this.byName.get(variable);
    if (!v) {
      const names = [...this.byName.keys()];
      throw new UnknownVariableError(`no variable '${variable}'; the file has: ${names.join(', ') || 'no variables'}`, {
        file: this.name,
        variable,
        expected: `one of ${names.join(', ')}`,
      });
    }
    checkFilters(v.filters, this.name, variable);
    const box = checkBox(v.shape, start, count, { file: this.name, variable });
    const nbytes = box.count.reduce((a, b) => a * b, v.meta.size);
    if (nbytes > MAX_READ_BYTES) {
      // Checked before anything is allocated: a corrupt header can claim any shape.
      throw new AbsurdSizeError(`reading [${box.count.join(', ')}] would need ${nbytes} bytes`, { file: this.name, variable, expected: `at most ${MAX_READ_BYTES} bytes per read; read by time slices` });
    }
    if (box.start.every((s, i) => s + box.count[i] <= v.storedShape[i])) return this.readStored(v, box.start, box.count);
    // Past the records this variable wrote: fill values around whatever part it did write.
    const Ctor = arrayCtorOf(v.dtype);
    if (!Ctor) return this.readStored(v, box.start, box.count); // reports the unsupported type
    const out = new Ctor(new ArrayBuffer(box.count.reduce((a, b) => a * b, Ctor.BYTES_PER_ELEMENT)));
    (out as Float64Array).fill(fillValueOf(v.dtype, v.attributes) as number);
    const innerCount = box.start.map((s, i) => Math.max(0, Math.min(s + box.count[i], v.storedShape[i]) - s));
    if (innerCount.every((n) => n > 0)) {
      const inner = await this.readStored(v, box.start, innerCount);
      placeBox(out, box.count, inner, innerCount, box.start.map(() => 0));
    }
    return out;
  }

  /** Reads a box inside the dataset's stored extent: the zlib fast path when it applies, else h5wasm. */
  private async readStored(v: Netcdf4Variable, start: number[], count: number[]): Promise<NumericArray> {
    const fast = await this.readFast(v, start, count);
    if (fast) return fast;
    const nbytes = count.reduce((a, b) => a * b, v.meta.size);
    return this.client.request<NumericArray>(
      { op: 'read', handle: this.handle, path: v.path, meta: v.meta, dtype: v.dtype, start, count, variable: v.name },
      this.name, v.name, Math.ceil(nbytes / 100_000),
    );
  }

  /**
   * Chunked little-endian variables compressed with deflate/shuffle (or not at all) are read
   * chunk by chunk with Node's zlib (see netcdf4/chunk-reader.ts); undefined means "use h5wasm".
   */
  private async readFast(v: Netcdf4Variable, start: number[], count: number[]): Promise<NumericArray | undefined> {
    const Ctor = arrayCtorOf(v.dtype);
    const chunks = v.meta.chunks;
    if (this.base === undefined || !Ctor || !chunks || !v.meta.littleEndian || !v.filters.every((f) => FAST_FILTERS.has(f.id))) return undefined;
    if (chunks.reduce((a, b) => a * b, v.meta.size) > MAX_READ_BYTES) return undefined; // implausible: let HDF5 judge
    let pending = this.chunkReaders.get(v.name);
    if (!pending) {
      const base = this.base;
      pending = this.client
        .request<number>({ op: 'address', handle: this.handle, path: v.path, variable: v.name }, this.name, v.name)
        .then((address) => readChunkIndex(this.source, base, address, v.storedShape, chunks))
        .then((index) => index && new ChunkedReader(this.source, { file: this.name, variable: v.name, chunkDims: chunks, elemSize: v.meta.size, filters: v.filters, index, Ctor }));
      this.chunkReaders.set(v.name, pending);
    }
    const reader = await pending;
    return reader?.read(start, count);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (!this.client.dead) await this.client.request({ op: 'close', handle: this.handle }, this.name);
    } catch {
      // A file that fails to close has nothing left to flush (read-only); release the rest anyway.
    } finally {
      await this.source.close();
      await this.cleanup();
    }
  }
}

/** Gives HDF5 a path to open: the file itself for a FileSource, else a temporary copy. */
async function localPath(source: ByteSource): Promise<{ path: string; cleanup: () => Promise<void> }> {
  if (source instanceof FileSource) return { path: source.name, cleanup: async () => {} };
  const dir = await mkdtemp(join(tmpdir(), 'gridcast-h5-'));
  const path = join(dir, 'data.h5');
  await writeFile(path, await source.read(0, source.size));
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

async function open(source: ByteSource): Promise<RasterDataset> {
  const file = source.name;
  const head = await source.read(0, Math.min(9, source.size));
  if (!sniff(head)) {
    throw new UnknownFormatError('not an HDF5 / NetCDF-4 file', { file, expected: "the HDF5 signature '\\x89HDF\\r\\n\\x1a\\n' at byte 0" });
  }
  if (source.size < MIN_HDF5_BYTES) {
    throw new TruncatedFileError(`file ends at byte ${source.size}, inside the HDF5 superblock`, { file, expected: `at least ${MIN_HDF5_BYTES} bytes` });
  }
  const { path, cleanup } = await localPath(source);
  try {
    const client = H5Client.shared();
    const { handle, structure } = await client.request<{ handle: number; structure: Netcdf4Structure }>({ op: 'open', file, path }, file);
    const base = await superblockBase(source).catch(async (e: unknown) => {
      await client.request({ op: 'close', handle }, file).catch(() => {});
      throw e;
    });
    return new Netcdf4Dataset(file, source, client, handle, structure, head[8] ?? 0, base, cleanup);
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function sniff(head: Uint8Array): boolean {
  return SIGNATURE.every((b, i) => head[i] === b);
}

/** The NetCDF-4 / HDF5 format, recognised by the HDF5 signature at byte 0. */
export const netcdf4Format: RasterFormat = { name: 'netcdf4', sniff, open };

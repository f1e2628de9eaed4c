/**
 * NetCDF classic reader: CDF-1 (classic), CDF-2 (64-bit offset) and CDF-5 (64-bit data).
 *
 * The header comes from netcdfjs where it can read it (CDF-1/2) and from our own parser where it
 * cannot (CDF-5, data beyond 4 GiB; see netcdf-classic/header.ts). Data never goes through
 * netcdfjs — it would need the whole file in memory and returns arrays of JS numbers: we read the
 * bytes of the asked-for box from the offsets in the header with positioned reads, straight into a
 * typed array, and swap them from big-endian once (netcdf-classic/hyperslab.ts).
 *
 * ```ts
 * const ds = await openRaster('era5.nc');               // chooses this reader by the magic bytes
 * const t0 = await ds.read('t2m', [0, 0, 0], [1, 361, 720]); // Int16Array of the first time step
 * // NetcdfClassicDataset only: fill an array you own (reused, or a slice of a bigger tensor)
 * await (ds as NetcdfClassicDataset).readInto('t2m', slot, [1, 0, 0], [1, 361, 720]);
 * ```
 *
 * Bad input: the header is checked before anything is allocated from it (counts against the file
 * size, offsets against each other, see netcdf-classic/layout.ts), and every read checks that its
 * bytes lie inside the file before allocating the output. Errors are the named GridcastErrors.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { InvalidOptionError, UnknownVariableError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import type { AttrValue, DimensionInfo, NumericArray, RasterDataset, RasterFormat, VariableInfo } from './types.js';
import { readClassicHeader } from './netcdf-classic/header.js';
import { readBox } from './netcdf-classic/hyperslab.js';
import { typedView } from './netcdf-classic/nc-types.js';
import { type ClassicLayout, computeLayout, type VariableLayout } from './netcdf-classic/layout.js';

const DETAIL = {
  1: 'NetCDF classic CDF-1',
  2: 'NetCDF 64-bit offset (CDF-2)',
  5: 'NetCDF 64-bit data (CDF-5)',
} as const;

/** An open NetCDF classic file. Reads are positioned reads of the source; close releases it. */
export class NetcdfClassicDataset implements RasterDataset {
  readonly format = 'netcdf-classic' as const;
  readonly formatDetail: string;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  readonly attributes: Record<string, AttrValue>;
  /** Bytes per record of the interleaved record variables (0 without record variables). */
  readonly recordSize: number;
  private readonly byName: Map<string, VariableLayout>;

  constructor(private readonly source: ByteSource, layout: ClassicLayout) {
    this.formatDetail = DETAIL[layout.version];
    this.dimensions = layout.dimensions;
    this.attributes = layout.attributes;
    this.recordSize = layout.recsize;
    this.byName = new Map(layout.variables.map((v) => [v.name, v]));
    this.variables = layout.variables.map((v) => ({
      name: v.name,
      dims: v.dims,
      shape: v.shape,
      dtype: v.dtype,
      attributes: v.attributes,
      storage: v.record ? 'record variable' : 'contiguous',
    }));
  }

  get name(): string {
    return this.source.name;
  }

  /** Byte layout of a variable (offset, strides), for tools and tests. */
  layoutOf(variable: string): VariableLayout {
    const v = this.byName.get(variable);
    if (!v) {
      const names = [...this.byName.keys()];
      throw new UnknownVariableError(`no such variable; the file has ${names.length ? names.map((n) => `'${n}'`).join(', ') : 'no variables'}`, {
        file: this.source.name,
        variable,
        expected: names.length ? `one of ${names.join(', ')}` : undefined,
      });
    }
    return v;
  }

  async read(variable: string, start?: number[], count?: number[]): Promise<NumericArray> {
    return readBox(this.source, this.layoutOf(variable), start, count);
  }

  /**
   * Reads a box like read(), into `target` instead of a new array: a typed array of the variable's
   * own type (Float32Array for float …; Uint8Array for char) holding exactly the box. Reusing
   * one target (or writing straight into a slice of a larger tensor) spares an allocation per
   * read. InvalidOptionError when the target's type or length does not fit.
   */
  async readInto<T extends NumericArray>(variable: string, target: T, start?: number[], count?: number[]): Promise<T> {
    const v = this.layoutOf(variable);
    const want = typedView(v.dtype, new Uint8Array(0)).constructor;
    if (!ArrayBuffer.isView(target) || target.constructor !== want) {
      throw new InvalidOptionError(`target must be a ${want.name} for ${v.cdlType} data, got ${target?.constructor?.name}`, {
        file: this.source.name,
        variable,
      });
    }
    const bytes = new Uint8Array(target.buffer, target.byteOffset, target.byteLength);
    await readBox(this.source, v, start, count, bytes);
    return target;
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** Opens a NetCDF classic file from a byte source; the header is validated before anything else. */
export async function openNetcdfClassic(source: ByteSource): Promise<NetcdfClassicDataset> {
  const header = await readClassicHeader(source);
  return new NetcdfClassicDataset(source, computeLayout(header, source.size, source.name));
}

/** The NetCDF classic format for the registry: magic 'CDF' and version byte 1, 2 or 5. */
export const netcdfClassicFormat: RasterFormat = {
  name: 'netcdf-classic',
  sniff: (h) => h.length >= 4 && h[0] === 0x43 && h[1] === 0x44 && h[2] === 0x46 && (h[3] === 1 || h[3] === 2 || h[3] === 5),
  open: openNetcdfClassic,
};

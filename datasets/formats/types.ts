/**
 * The one interface every raster format reader implements. A reader exposes the file's own
 * structure (dimensions, variables, attributes) and reads raw stored values of a hyperslab; CF
 * decoding (scale/offset, fill values, coordinates, time) happens above it in `datasets/cf/`, the
 * same for every format.
 */
import type { ByteSource } from '../source/byte-source.js';

export type FormatName = 'netcdf-classic' | 'netcdf4' | 'geotiff';

/** Stored element types. `char` is NetCDF's text type; `string` variable-length text. */
export type DType =
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64'
  | 'float32' | 'float64' | 'char' | 'string';

/** An attribute value: text, or numbers (a single number stays a one-element array). */
export type AttrValue = string | number[];

export interface DimensionInfo {
  name: string;
  size: number;
  /** NetCDF record (unlimited) dimension. */
  unlimited?: boolean;
}

export interface VariableInfo {
  name: string;
  /** Dimension names, slowest varying first (C order). */
  dims: string[];
  shape: number[];
  dtype: DType;
  attributes: Record<string, AttrValue>;
  /** Storage facts for `inspect`: 'contiguous', 'chunked 1x361x720 deflate(4)', 'tiled 256x256 LZW'… */
  storage?: string;
}

/** Numeric arrays a reader may return (raw stored values, native byte order). */
export type NumericArray =
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

/** Georeferencing a file states itself (GeoTIFF); NetCDF derives it from coordinates instead. */
export interface Georeference {
  /** GDAL order: [x0, dx, rx, y0, ry, dy] of the outer corner of pixel (0,0). */
  geotransform: [number, number, number, number, number, number];
  epsg?: number;
  wkt?: string;
}

/** An open raster file. */
export interface RasterDataset {
  readonly name: string;
  readonly format: FormatName;
  /** Human-readable format detail: 'NetCDF classic CDF-2 (64-bit offset)', 'BigTIFF, tiled, COG'. */
  readonly formatDetail: string;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  /** Global attributes (GeoTIFF: GDAL_METADATA dataset items, tags). */
  readonly attributes: Record<string, AttrValue>;
  /** GeoTIFF only: the file's own georeferencing. */
  readonly georef?: Georeference;
  /**
   * Reads raw stored values of `variable` in the box start..start+count (C order, one entry per
   * dimension; both default to the whole variable). `char` variables come back as Uint8Array.
   * Rejects with UnknownVariableError (listing the variables) or InvalidOptionError (bad box).
   */
  read(variable: string, start?: number[], count?: number[]): Promise<NumericArray>;
  /**
   * Optional: like `read`, into `target` (the typed array `read` would return, of the box's
   * length), so ingest can reuse one buffer per time slice instead of allocating each time.
   */
  readInto?<T extends NumericArray>(variable: string, target: T, start?: number[], count?: number[]): Promise<T>;
  close(): Promise<void>;
}

/** A format: recognised by magic bytes, opened lazily. */
export interface RasterFormat {
  name: FormatName;
  /** True when the first bytes (at least 8 are given when the file has them) are this format's. */
  sniff(head: Uint8Array): boolean;
  open(source: ByteSource): Promise<RasterDataset>;
}

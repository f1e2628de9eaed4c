/**
 * Chooses a reader by the file's magic bytes (never by its extension) and loads it lazily, so
 * opening a GeoTIFF never loads h5wasm. Modelled on geotiff.js `compression/index.js`.
 */
import { UnknownFormatError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import { FileSource } from '../source/file-source.js';
import type { FormatName, RasterDataset, RasterFormat } from './types.js';

type Loader = () => Promise<RasterFormat>;

/** Magic-byte tests are cheap and kept here so that sniffing does not import any reader. */
const FORMATS: { name: FormatName; magic: (h: Uint8Array) => boolean; load: Loader }[] = [
  {
    name: 'netcdf-classic',
    // 'C' 'D' 'F' then version 1 (classic), 2 (64-bit offset) or 5 (64-bit data).
    magic: (h) => h[0] === 0x43 && h[1] === 0x44 && h[2] === 0x46 && (h[3] === 1 || h[3] === 2 || h[3] === 5),
    load: async () => (await import('./netcdf-classic.js')).netcdfClassicFormat,
  },
  {
    name: 'netcdf4',
    // HDF5 superblock signature \x89HDF\r\n\x1a\n (at offset 0; user blocks are not supported).
    magic: (h) => h[0] === 0x89 && h[1] === 0x48 && h[2] === 0x44 && h[3] === 0x46 && h[4] === 0x0d && h[5] === 0x0a && h[6] === 0x1a && h[7] === 0x0a,
    load: async () => (await import('./netcdf4.js')).netcdf4Format,
  },
  {
    name: 'geotiff',
    // II*\0 / MM\0* (TIFF) and II+\0 / MM\0+ (BigTIFF).
    magic: (h) =>
      (h[0] === 0x49 && h[1] === 0x49 && (h[2] === 42 || h[2] === 43) && h[3] === 0) ||
      (h[0] === 0x4d && h[1] === 0x4d && h[2] === 0 && (h[3] === 42 || h[3] === 43)),
    load: async () => (await import('./geotiff.js')).geotiffFormat,
  },
];

/** The format whose magic bytes `head` starts with, or undefined. */
export function sniffFormat(head: Uint8Array): FormatName | undefined {
  return FORMATS.find((f) => f.magic(head))?.name;
}

/** Opens a raster from a byte source; UnknownFormatError when no format recognises it. */
export async function openRasterSource(source: ByteSource): Promise<RasterDataset> {
  const head = await source.read(0, Math.min(8, source.size));
  const entry = FORMATS.find((f) => f.magic(head));
  if (!entry) {
    const hex = Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new UnknownFormatError(`not a NetCDF, HDF5 or TIFF file (first bytes: ${hex || 'none, empty file'})`, {
      file: source.name,
      expected: "'CDF\\x01', 'CDF\\x02', 'CDF\\x05', '\\x89HDF', 'II*', 'MM*', 'II+' or 'MM+'",
    });
  }
  const format = await entry.load();
  return format.open(source);
}

/** Opens a raster file by path. The dataset owns the file handle; close the dataset to release it. */
export async function openRaster(path: string): Promise<RasterDataset> {
  const source = await FileSource.open(path);
  try {
    return await openRasterSource(source);
  } catch (e) {
    await source.close();
    throw e;
  }
}

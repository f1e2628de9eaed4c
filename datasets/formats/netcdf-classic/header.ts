/**
 * Reads a NetCDF classic header from a byte source without loading the file: it reads a first
 * window (64 KiB, or the whole file when smaller), lets netcdfjs parse CDF-1/CDF-2 headers from
 * it, and uses our own parser for CDF-5 (netcdfjs rejects version 5), for CDF-2 files with data
 * beyond 4 GiB (netcdfjs refuses those offsets) and to learn the length of headers longer than the
 * window — our parser checks each count against the file size before reading further, so a
 * corrupt count never makes us read more than the file holds. See header-parser.ts.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import type { ByteSource } from '../../source/byte-source.js';
import { type ClassicHeader, NeedMoreBytes } from './header-model.js';
import { parseClassicHeader } from './header-parser.js';
import { netcdfjsHeader } from './netcdfjs-header.js';

/** Bytes read first; almost every header fits (ERA5 and NCEP files have headers of a few KiB). */
export const FIRST_WINDOW = 64 * 1024;

/**
 * The parsed header of the NetCDF classic file in `source`. Rejects with TruncatedFileError,
 * CorruptFileError or AbsurdSizeError naming the file.
 */
export async function readClassicHeader(source: ByteSource): Promise<ClassicHeader> {
  let bytes = await source.read(0, Math.min(source.size, FIRST_WINDOW));
  const version = bytes[3];
  if (version !== 5) {
    try {
      const h = netcdfjsHeader(bytes, source.size, source.name);
      if (h) return h;
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
    }
  }
  // Our parser asks for exactly the bytes it needs, each request already checked against the file.
  let own: ClassicHeader;
  for (;;) {
    try {
      own = parseClassicHeader(bytes, source.size, source.name);
      break;
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      const next = Math.min(source.size, Math.max(e.atLeast, bytes.length * 2));
      bytes = await source.read(0, next);
    }
  }
  if (version !== 5 && own.headerSize > FIRST_WINDOW) {
    // A long CDF-1/2 header: netcdfjs stays its decoder now that the header is all in `bytes`.
    try {
      const h = netcdfjsHeader(bytes.subarray(0, Math.max(own.headerSize, 8)), source.size, source.name);
      if (h) return h;
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
    }
  }
  return own;
}

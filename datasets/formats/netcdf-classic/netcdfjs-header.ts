/**
 * Reads CDF-1 and CDF-2 headers with netcdfjs (https://github.com/cheminfo/netcdfjs), which does
 * that part well, and repairs what it gets wrong so both header paths yield the same model:
 *
 * - names and text attributes: netcdfjs decodes bytes one by one as signed Latin-1, so UTF-8
 *   text ("Température") comes out mangled; we recover the bytes and decode them as UTF-8.
 * - byte attributes come back unsigned (0..255); NC_BYTE is signed, so -127b would read as 129.
 * - single values come back as a bare number; the model always holds number[].
 * - text attributes lose one trailing NUL only; we strip them all (ncdump shows none either).
 * - it does not validate variable type codes (its check `type < 1 && type > 6` is never true).
 * - numrecs 0xFFFFFFFF (STREAMING) is taken literally.
 * - absent lists leave `dimensions`/`variables` undefined.
 *
 * netcdfjs needs the header in one contiguous buffer and cannot say how long it is; the caller
 * gives it a prefix of the file and we report NeedMoreBytes when netcdfjs runs off its end.
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { NetCDFReader } from 'netcdfjs';
import { CorruptFileError, TruncatedFileError } from '../../errors.js';
import { type ClassicHeader, NeedMoreBytes, type RawAttribute, STREAMING } from './header-model.js';
import { NC_BYTE, NC_CHAR, typeCodeOf } from './nc-types.js';

type NetcdfjsAttribute = { name: string; type: string; value: number | string | number[] };

const utf8 = new TextDecoder('utf-8');

/** Why netcdfjs gives up on a CDF-2 file whose data lies beyond 4 GiB (we parse those ourselves). */
const BEYOND_4GB = 'offsets larger than 4GB';

/**
 * Parses a CDF-1/CDF-2 header from a prefix of the file with netcdfjs. Returns undefined when
 * netcdfjs cannot read this file although it may be valid (64-bit offsets beyond 4 GiB), so the
 * caller falls back to our own parser. Throws NeedMoreBytes when `bytes` ends inside the header.
 */
export function netcdfjsHeader(bytes: Uint8Array, fileSize: number, file: string): ClassicHeader | undefined {
  let reader: NetCDFReader;
  try {
    reader = new NetCDFReader(bytes);
  } catch (e) {
    if (e instanceof RangeError) {
      // netcdfjs read past the end of what we gave it.
      if (bytes.length < fileSize) throw new NeedMoreBytes(Math.min(fileSize, bytes.length * 8));
      throw new TruncatedFileError(`file ends at byte ${fileSize} inside the header`, { file, cause: e });
    }
    const message = e instanceof Error ? e.message : String(e);
    if (message.includes(BEYOND_4GB)) return undefined;
    throw new CorruptFileError(`bad header (${message.replace(/^Not a valid NetCDF v3.x file: /, '')})`, {
      file,
      cause: e,
      expected: 'a NetCDF classic header',
    });
  }
  const end = reader.buffer.offset;
  if (end > bytes.length) {
    // iobuffer's readBytes silently returns a short array at the end of the buffer.
    if (bytes.length < fileSize) throw new NeedMoreBytes(Math.min(fileSize, Math.max(end, bytes.length * 8)));
    throw new TruncatedFileError(`file ends at byte ${fileSize} inside the header`, { file, expected: `at least ${end} bytes` });
  }
  const h = reader.header;
  const numrecs = h.recordDimension.length === 0xffffffff ? STREAMING : h.recordDimension.length;
  return {
    version: h.version as 1 | 2,
    numrecs,
    dimensions: (h.dimensions ?? []).map((d) => ({ name: fixText(d.name), size: d.size })),
    attributes: (h.globalAttributes ?? []).map((a) => attribute(a as NetcdfjsAttribute, file)),
    variables: (h.variables ?? []).map((v) => {
      const type = typeCodeOf(v.type) ?? 0; // 0 for netcdfjs's 'undefined': rejected by the layout checks
      return {
        name: fixText(v.name),
        dimIds: v.dimensions,
        attributes: (v.attributes as NetcdfjsAttribute[]).map((a) => attribute(a, file)),
        type,
        begin: v.offset,
      };
    }),
    headerSize: end,
    parser: 'netcdfjs',
  };
}

function attribute(a: NetcdfjsAttribute, file: string): RawAttribute {
  const type = typeCodeOf(a.type);
  if (type === undefined) throw new CorruptFileError(`attribute '${a.name}' has an unknown type`, { file });
  const name = fixText(a.name);
  if (type === NC_CHAR) return { name, type, value: fixText(String(a.value)).replace(/\0+$/, '') };
  let value = typeof a.value === 'number' ? [a.value] : Array.from(a.value as ArrayLike<number>);
  if (type === NC_BYTE) value = value.map((b) => (b > 127 ? b - 256 : b));
  return { name, type, value };
}

/** Undoes netcdfjs's per-byte decoding (String.fromCharCode of a signed byte) and decodes UTF-8. */
function fixText(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  if (ascii) return s;
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
  return utf8.decode(bytes);
}

/**
 * TIFF LZW and PackBits decoders with a bounded output, safe on corrupt input.
 *
 * Why not geotiff.js's decoders: its LZW decoder (3.0.5) walks its dictionary without bounds, so a
 * corrupt stream that overfills the table makes it loop forever growing a JS array until V8 aborts
 * the process — a crash no try/catch can stop (found by our fuzz test). These stop at `maxOut`
 * bytes and throw on impossible codes.
 *
 * Spec: TIFF 6.0 §13 (LZW, MSB-first codes, 9–12 bits, "early change" width switch as libtiff's
 * `LZWDecode`) and §9 (PackBits).
 */

/** Thrown on a malformed stream; the caller reports it as CorruptFileError. */
export class CodecError extends Error {}

/** Decodes TIFF LZW; at most `maxOut` bytes are produced (the rest is ignored). */
export function lzwDecode(src: Uint8Array, maxOut: number): Uint8Array {
  const out = new Uint8Array(maxOut);
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const totalBits = src.length * 8;
  let bitPos = 0;
  let width = 9;
  let next = 258;
  let old = -1;
  let op = 0;
  const emit = (code: number): void => {
    const n = length[code];
    let p = op + n - 1;
    for (let c = code; c >= 0; c = prefix[c], p--) {
      if (p < maxOut) out[p] = suffix[c];
    }
    op += n;
  };
  while (op < maxOut && bitPos + width <= totalBits) {
    // Read `width` bits, most significant first.
    let code = 0;
    for (let i = 0; i < width; i++, bitPos++) code = (code << 1) | ((src[bitPos >> 3] >> (7 - (bitPos & 7))) & 1);
    if (code === 257) break;
    if (code === 256) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new CodecError(`LZW code ${code} right after a clear code`);
      emit(code);
      old = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) throw new CodecError(`LZW code ${code} is not in the table (next free ${next})`);
    if (next < 4096) {
      // New entry: the previous string plus the first byte of this one (of itself when code === next).
      prefix[next] = old;
      suffix[next] = first[code === next ? old : code];
      first[next] = first[old];
      length[next] = length[old] + 1;
      next++;
      if (next >= (1 << width) - 1 && width < 12) width++;
    }
    emit(code);
    old = code;
  }
  return op >= maxOut ? out : out.subarray(0, op);
}

/** Decodes PackBits; at most `maxOut` bytes are produced. */
export function packbitsDecode(src: Uint8Array, maxOut: number): Uint8Array {
  const out = new Uint8Array(maxOut);
  let ip = 0;
  let op = 0;
  while (ip < src.length && op < maxOut) {
    const h = (src[ip++] << 24) >> 24;
    if (h >= 0) {
      const n = Math.min(h + 1, src.length - ip, maxOut - op);
      out.set(src.subarray(ip, ip + n), op);
      ip += h + 1;
      op += n;
    } else if (h !== -128) {
      if (ip >= src.length) break;
      const n = Math.min(1 - h, maxOut - op);
      out.fill(src[ip++], op, op + n);
      op += n;
    }
  }
  return out.subarray(0, op);
}

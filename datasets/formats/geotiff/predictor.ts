/**
 * Undoing TIFF predictors on one decoded block (tile or strip); the writer's forward predictor 3
 * is fused with tile extraction in datasets/writers/cog/tile-encoder.ts.
 *
 * - Predictor 2 (horizontal differencing, TIFF 6.0 §14): each sample minus the same sample of the
 *   previous pixel, in the sample's own integer width, on native-order values.
 * - Predictor 3 (floating point, Adobe Photoshop TIFF Technical Note 3, libtiff `fpDiff`/`fpAcc`
 *   in tif_predict.c): per row, the bytes of the samples are split into planes, most significant
 *   byte first whatever the file's byte order, then differenced byte by byte with a stride of the
 *   samples per pixel. Undoing it yields native (here little-endian) values.
 *
 * `stride` is the number of interleaved samples per pixel in the block (1 for band-separate).
 */

/** Undoes predictor 2 in place on native-order values of `bytesPerSample` bytes. */
export function undoHorizontal(block: Uint8Array, width: number, rows: number, stride: number, bytesPerSample: number): void {
  const rowLen = width * stride;
  const { buffer, byteOffset, byteLength } = block;
  if (bytesPerSample === 8) {
    const a = new BigUint64Array(buffer, byteOffset, byteLength >> 3);
    for (let r = 0; r < rows; r++) {
      for (let i = r * rowLen + stride, end = (r + 1) * rowLen; i < end; i++) a[i] = a[i] + a[i - stride];
    }
    return;
  }
  const a = bytesPerSample === 1 ? block
    : bytesPerSample === 2 ? new Uint16Array(buffer, byteOffset, byteLength >> 1)
      : new Uint32Array(buffer, byteOffset, byteLength >> 2);
  for (let r = 0; r < rows; r++) {
    for (let i = r * rowLen + stride, end = (r + 1) * rowLen; i < end; i++) a[i] = a[i] + a[i - stride];
  }
}

/** Undoes predictor 3 in place; the result is little-endian values. `block` must be 4-byte aligned. */
export function undoFloatingPoint(block: Uint8Array, width: number, rows: number, stride: number, bytesPerSample: number): void {
  const rowBytes = width * stride * bytesPerSample;
  const wc = width * stride;
  const tmp = new Uint8Array(rowBytes);
  const words = bytesPerSample === 4 && block.byteOffset % 4 === 0 ? new Uint32Array(block.buffer, block.byteOffset, block.byteLength >> 2) : null;
  for (let r = 0; r < rows; r++) {
    const start = r * rowBytes;
    for (let i = start + stride, end = start + rowBytes; i < end; i++) block[i] += block[i - stride];
    tmp.set(block.subarray(start, start + rowBytes));
    if (words) {
      // Float32 fast path: gather the four byte planes into one word per sample.
      const w0 = start >> 2;
      for (let k = 0; k < wc; k++) {
        words[w0 + k] = ((tmp[k] << 24) | (tmp[wc + k] << 16) | (tmp[2 * wc + k] << 8) | tmp[3 * wc + k]) >>> 0;
      }
      continue;
    }
    for (let b = 0; b < bytesPerSample; b++) {
      const plane = (bytesPerSample - b - 1) * wc;
      for (let k = 0, o = start + b; k < wc; k++, o += bytesPerSample) block[o] = tmp[plane + k];
    }
  }
}

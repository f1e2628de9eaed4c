/**
 * Overview levels for a COG: each level halves the previous one (sizes rounded up, as GDAL's
 * `(n + f - 1) / f`), each pixel the mean of the valid pixels of its 2×2 parent block — NaN and the
 * nodata value are ignored, and a block with no valid pixel becomes nodata (NaN without one).
 * Like GDAL's AVERAGE resampling with nodata (https://gdal.org/programs/gdaladdo.html).
 */

/** One raster level: band-major float32 values. */
export interface Level {
  width: number;
  height: number;
  data: Float32Array;
}

/** How many overviews 'auto' makes: halve while the image is larger than one tile. */
export function autoOverviewCount(width: number, height: number, tileSize: number): number {
  let n = 0;
  while (width > tileSize || height > tileSize) {
    width = Math.ceil(width / 2);
    height = Math.ceil(height / 2);
    n++;
  }
  return n;
}

/** Halves `src` (bandCount bands) once, averaging valid pixels. */
export function halve(src: Level, bandCount: number, nodata: number | undefined): Level {
  const { width: w, height: h, data } = src;
  const w2 = Math.ceil(w / 2);
  const h2 = Math.ceil(h / 2);
  const out = new Float32Array(bandCount * w2 * h2);
  const empty = nodata === undefined ? NaN : nodata;
  const checkNodata = nodata !== undefined && !Number.isNaN(nodata);
  for (let b = 0; b < bandCount; b++) {
    const sBase = b * w * h;
    const dBase = b * w2 * h2;
    for (let y = 0; y < h2; y++) {
      const r0 = sBase + 2 * y * w;
      const r1 = 2 * y + 1 < h ? r0 + w : -1;
      for (let x = 0; x < w2; x++) {
        const x0 = 2 * x;
        const hasX1 = x0 + 1 < w;
        let sum = 0;
        let n = 0;
        let v = data[r0 + x0];
        if (v === v && !(checkNodata && v === nodata)) { sum += v; n++; }
        if (hasX1) { v = data[r0 + x0 + 1]; if (v === v && !(checkNodata && v === nodata)) { sum += v; n++; } }
        if (r1 >= 0) {
          v = data[r1 + x0];
          if (v === v && !(checkNodata && v === nodata)) { sum += v; n++; }
          if (hasX1) { v = data[r1 + x0 + 1]; if (v === v && !(checkNodata && v === nodata)) { sum += v; n++; } }
        }
        out[dBase + y * w2 + x] = n > 0 ? sum / n : empty;
      }
    }
  }
  return { width: w2, height: h2, data: out };
}

/** The full-resolution level followed by `count` overviews, largest first. */
export function buildLevels(base: Level, bandCount: number, count: number, nodata: number | undefined): Level[] {
  const levels = [base];
  for (let i = 0; i < count; i++) {
    const prev = levels[levels.length - 1];
    if (prev.width === 1 && prev.height === 1) break;
    levels.push(halve(prev, bandCount, nodata));
  }
  return levels;
}

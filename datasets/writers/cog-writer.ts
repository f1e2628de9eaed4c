/**
 * Our Cloud-Optimized GeoTIFF writer: float32 bands, tiled, DEFLATE with the floating-point
 * predictor, nodata-aware averaged overviews, georeferenced with GeoKeys, GDAL_NODATA and
 * GDAL_METADATA (band descriptions and per-band items), in the layout GDAL's COG driver writes and
 * its validator accepts. geotiff.js's own writer is not enough: it writes a single uncompressed
 * strip, with no tiles, compression, predictor or overviews.
 *
 * ```ts
 * await writeCog('t2m.tif', {
 *   width: 1440, height: 721, bands: values, // Float32Array, band-major
 *   geotransform: [-0.125, 0.25, 0, 90.125, 0, -0.25], epsg: 4326, nodata: NaN,
 *   bandDescriptions: ['t2m +6h', 't2m +12h'], bandMetadata: [{ VALID_TIME: '2024-01-01T06:00:00Z' }, …],
 * });
 * ```
 *
 * Layout (https://gdal.org/drivers/raster/cog.html): TIFF header, GDAL's ghost structural
 * metadata, every IFD (main image first, then overviews from largest to smallest) with its tag
 * values, then tile data from the smallest overview to the full resolution, row-major, each tile
 * preceded by its size (uint32) and followed by a copy of its last 4 bytes. Tiles are prepared on
 * the main thread and compressed on the libuv pool (both cores), written with positioned writes in
 * file order; the header is written last, once the tile offsets are known. Everything goes to a
 * temporary name renamed at the end; on any error the temporary file is removed.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { GridcastError, isGridcastError } from '../errors.js';
import { FieldType, Tag } from '../formats/geotiff/tiff-tags.js';
import { gdalTags, georefTags } from './cog/geo-tags.js';
import { resolveCogOptions, type CogWriteOptions, type ResolvedCogOptions } from './cog/options.js';
import { autoOverviewCount, buildLevels, type Level } from './cog/overviews.js';
import { compressTile, prepareTile, type TileCoding } from './cog/tile-encoder.js';
import { serializeHeader, type TagSpec } from './cog/tiff-header.js';

export type { CogWriteOptions } from './cog/options.js';

/** What `writeCog` wrote. */
export interface CogWriteResult {
  path: string;
  /** File size in bytes. */
  bytes: number;
  /** Overview levels written. */
  overviews: number;
  bigTiff: boolean;
  /** Tiles written, all levels. */
  tiles: number;
}

/** Options only the writer's caller controls at run time. */
export interface CogWriteControl {
  /** Aborts the write (the temporary file is removed). */
  signal?: AbortSignal;
}

interface ImagePlan {
  level: Level;
  across: number;
  down: number;
  offsets: number[];
  counts: number[];
}

/** Writes a COG to `path` (atomically: temporary name, then rename). See the module header. */
export async function writeCog(path: string, options: CogWriteOptions, control: CogWriteControl = {}): Promise<CogWriteResult> {
  const o = resolveCogOptions(options, path);
  const T = o.tileSize;
  const nOverviews = o.overviews === 'auto' ? autoOverviewCount(o.width, o.height, T) : o.overviews;
  const levels = buildLevels({ width: o.width, height: o.height, data: o.bands }, o.bandCount, nOverviews, o.nodata);
  const stride = o.interleave === 'pixel' ? o.bandCount : 1;
  const planes = o.interleave === 'pixel' ? 1 : o.bandCount;
  const plans: ImagePlan[] = levels.map((level) => {
    const across = Math.ceil(level.width / T);
    const down = Math.ceil(level.height / T);
    const n = across * down * planes;
    return { level, across, down, offsets: new Array<number>(n).fill(0), counts: new Array<number>(n).fill(0) };
  });
  const tiles = plans.reduce((s, p) => s + p.offsets.length, 0);
  const bigTiff = o.bigTiff === 'auto' ? tiles * (T * T * stride * 4 * 1.01 + 64) + 1e6 > 2 ** 32 - 1 : o.bigTiff;
  const ifds = () => plans.map((p, i) => imageTags(o, p, i, bigTiff));
  const dataStart = serializeHeader(ifds(), bigTiff).bytes.length;

  const coding: TileCoding = {
    tileSize: T, bandCount: o.bandCount, stride, predictor: o.predictor, compression: o.compression, level: o.level,
    pad: o.nodata ?? 0,
  };
  // File order: smallest overview first; within an image, band plane, then row-major tiles.
  const jobs: { plan: ImagePlan; index: number; tx: number; ty: number; band: number }[] = [];
  for (const plan of [...plans].reverse()) {
    for (let band = 0; band < planes; band++) {
      for (let ty = 0; ty < plan.down; ty++) {
        for (let tx = 0; tx < plan.across; tx++) jobs.push({ plan, index: (band * plan.down + ty) * plan.across + tx, tx, ty, band });
      }
    }
  }

  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'w');
    const pending: (Promise<Uint8Array> | undefined)[] = new Array(jobs.length);
    const start = (k: number) => {
      if (k >= jobs.length || pending[k]) return;
      const j = jobs[k];
      const bytes = prepareTile(j.plan.level, coding, j.tx, j.ty, j.band);
      pending[k] = compressTile(bytes, coding);
      pending[k]!.catch(() => {}); // observed below; avoid unhandled rejections while waiting
    };
    let pos = dataStart;
    for (let k = 0; k < jobs.length; k++) {
      control.signal?.throwIfAborted();
      for (let a = k; a < k + o.concurrency; a++) start(a);
      const data = await pending[k]!;
      pending[k] = undefined;
      const leader = new Uint8Array(4);
      new DataView(leader.buffer).setUint32(0, data.length, true);
      const trailer = data.subarray(data.length - 4);
      await handle.writev([leader, data, trailer], pos);
      jobs[k].plan.offsets[jobs[k].index] = pos + 4;
      jobs[k].plan.counts[jobs[k].index] = data.length;
      pos += data.length + 8;
    }
    control.signal?.throwIfAborted();
    const header = serializeHeader(ifds(), bigTiff).bytes;
    if (header.length !== dataStart) throw new GridcastError('internal: COG header size changed between passes', { file: path });
    if (!bigTiff && pos > 2 ** 32 - 1) {
      throw new GridcastError(`the file would be ${pos} bytes, too large for classic TIFF`, { file: path, expected: "bigTiff: true or 'auto'" });
    }
    await handle.write(header, 0, header.length, 0);
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
    return { path, bytes: pos, overviews: levels.length - 1, bigTiff, tiles };
  } catch (e) {
    await handle?.close().catch(() => {});
    await rm(tmp, { force: true }).catch(() => {});
    if (isGridcastError(e)) throw e;
    throw new GridcastError(`cannot write COG: ${(e as Error)?.message ?? String(e)}`, { file: path, cause: e });
  }
}

/** The tags of one IFD: full resolution (index 0) with georeferencing and metadata, or an overview. */
function imageTags(o: ResolvedCogOptions, p: ImagePlan, index: number, bigTiff: boolean): TagSpec[] {
  const n = o.bandCount;
  const stride = o.interleave === 'pixel' ? n : 1;
  const S = FieldType.SHORT;
  const L = FieldType.LONG;
  const tags: TagSpec[] = [
    { tag: Tag.ImageWidth, type: L, values: [p.level.width] },
    { tag: Tag.ImageLength, type: L, values: [p.level.height] },
    { tag: Tag.BitsPerSample, type: S, values: new Array(n).fill(32) },
    { tag: Tag.Compression, type: S, values: [o.compression === 'deflate' ? 8 : 1] },
    { tag: Tag.PhotometricInterpretation, type: S, values: [1] },
    { tag: Tag.SamplesPerPixel, type: S, values: [n] },
    { tag: Tag.PlanarConfiguration, type: S, values: [stride === 1 && n > 1 ? 2 : 1] },
    { tag: Tag.TileWidth, type: S, values: [o.tileSize] },
    { tag: Tag.TileLength, type: S, values: [o.tileSize] },
    { tag: Tag.TileOffsets, type: bigTiff ? FieldType.LONG8 : L, values: p.offsets },
    { tag: Tag.TileByteCounts, type: bigTiff ? FieldType.LONG8 : L, values: p.counts },
    { tag: Tag.SampleFormat, type: S, values: new Array(n).fill(3) },
  ];
  if (o.compression === 'deflate' && o.predictor === 3) tags.push({ tag: Tag.Predictor, type: S, values: [3] });
  if (n > 1) tags.push({ tag: Tag.ExtraSamples, type: S, values: new Array(n - 1).fill(0) });
  if (index > 0) tags.push({ tag: Tag.NewSubfileType, type: L, values: [1] });
  else tags.push(...georefTags(o));
  tags.push(...gdalTags(o, index === 0));
  return tags;
}

/**
 * Options of `writeCog`: one interface with the default of every field, merged and validated in
 * `resolveCogOptions` with messages that name the field (BullMQ `WorkerOptions` style).
 */
import { InvalidOptionError } from '../../errors.js';

/** What to write. Values are band-major float32; NaN is allowed (and is the natural nodata). */
export interface CogWriteOptions {
  /** Raster width in pixels (required, >= 1). */
  width: number;
  /** Raster height in pixels (required, >= 1). */
  height: number;
  /** Pixel values, band-major: `bands[b * height * width + y * width + x]`; length = bandCount × height × width. */
  bands: Float32Array;
  /** GDAL geotransform [x0, dx, rx, y0, ry, dy] of the outer corner of pixel (0,0). Default: [0, 1, 0, 0, 0, -1]. */
  geotransform?: readonly [number, number, number, number, number, number] | readonly number[];
  /** EPSG code of the CRS, written as GeographicTypeGeoKey or ProjectedCSTypeGeoKey. Default: none. */
  epsg?: number;
  /** CRS text written as the citation GeoKey (readers other than us only use the EPSG code). Default: none. */
  wkt?: string;
  /** Geographic (lat/lon) or projected CRS. Default: geographic for EPSG codes 4000–4999, else projected. */
  crsKind?: 'geographic' | 'projected';
  /** Nodata value written as GDAL_NODATA (NaN allowed, written 'nan'); must be a float32 value. Default: none. */
  nodata?: number;
  /** One description per band (GDAL_METADATA role="description"). Default: none. */
  bandDescriptions?: readonly string[];
  /** Per-band metadata items (e.g. VALID_TIME, LEAD_TIME, UNITS). Default: none. */
  bandMetadata?: readonly Record<string, string>[];
  /** Dataset-level metadata items. Default: none. */
  metadata?: Record<string, string>;
  /** Tile width and height, a multiple of 16 in 16..4096. Default: 256 (GDAL's COG default is 512). */
  tileSize?: number;
  /** Tile compression. Default: 'deflate'. */
  compression?: 'deflate' | 'none';
  /** DEFLATE level 1..9. Default: 6 (GDAL's default). */
  level?: number;
  /** 3 = floating-point predictor, 1 = none; ignored without compression. Default: 3. */
  predictor?: 1 | 3;
  /** Overview levels: 'auto' halves until the image fits in one tile; a number gives exactly that many. Default: 'auto'. */
  overviews?: 'auto' | number;
  /** BigTIFF: 'auto' when the file may exceed 4 GB. Default: 'auto'. */
  bigTiff?: 'auto' | boolean;
  /** 'pixel' (PlanarConfiguration 1, what GDAL 3.6's COG driver writes) or 'band' (2). Default: 'pixel'. */
  interleave?: 'pixel' | 'band';
  /** Tiles being compressed at once (memory ≈ this × tile bytes). Default: 8. */
  concurrency?: number;
}

/** Options with every default filled in and checked. */
export interface ResolvedCogOptions {
  width: number;
  height: number;
  bandCount: number;
  bands: Float32Array;
  geotransform: [number, number, number, number, number, number];
  epsg?: number;
  wkt?: string;
  geographic: boolean;
  nodata?: number;
  bandDescriptions: string[];
  bandMetadata: Record<string, string>[];
  metadata: Record<string, string>;
  tileSize: number;
  compression: 'deflate' | 'none';
  level: number;
  predictor: 1 | 3;
  overviews: 'auto' | number;
  bigTiff: 'auto' | boolean;
  interleave: 'pixel' | 'band';
  concurrency: number;
}

/** Merges defaults into `o` and validates it; InvalidOptionError names the offending field. */
export function resolveCogOptions(o: CogWriteOptions, file: string): ResolvedCogOptions {
  const fail = (field: string, msg: string, expected?: string): never => {
    throw new InvalidOptionError(`${field} ${msg}`, { file, expected });
  };
  const posInt = (field: string, v: unknown, max = 2 ** 31 - 1): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) fail(field, `must be an integer in 1..${max}, got ${String(v)}`);
    return v as number;
  };
  const width = posInt('width', o.width);
  const height = posInt('height', o.height);
  if (!(o.bands instanceof Float32Array)) fail('bands', 'must be a Float32Array (band-major values)');
  const plane = width * height;
  const bandCount = o.bands.length / plane;
  if (!Number.isInteger(bandCount) || bandCount < 1 || bandCount > 65535) {
    fail('bands', `has ${o.bands.length} values, not a whole number (1..65535) of ${width}x${height} bands`);
  }
  const gt = [...(o.geotransform ?? [0, 1, 0, 0, 0, -1])];
  if (gt.length !== 6 || gt.some((v) => !Number.isFinite(v))) fail('geotransform', `must be 6 finite numbers, got [${gt.join(', ')}]`);
  if (gt[1] * gt[5] - gt[2] * gt[4] === 0) fail('geotransform', 'is degenerate (zero pixel area)');
  if (o.epsg !== undefined) posInt('epsg', o.epsg, 32766);
  const geographic = o.crsKind !== undefined ? o.crsKind === 'geographic' : o.epsg !== undefined && o.epsg >= 4000 && o.epsg < 5000;
  if (o.crsKind !== undefined && o.crsKind !== 'geographic' && o.crsKind !== 'projected') fail('crsKind', `must be 'geographic' or 'projected', got ${String(o.crsKind)}`);
  if (o.nodata !== undefined) {
    if (typeof o.nodata !== 'number') fail('nodata', `must be a number, got ${typeof o.nodata}`);
    if (!Number.isNaN(o.nodata) && Math.fround(o.nodata) !== o.nodata) fail('nodata', `${o.nodata} is not exactly representable as float32`);
  }
  const descs = [...(o.bandDescriptions ?? [])];
  if (descs.length > bandCount) fail('bandDescriptions', `has ${descs.length} entries for ${bandCount} bands`);
  const bmeta = [...(o.bandMetadata ?? [])];
  if (bmeta.length > bandCount) fail('bandMetadata', `has ${bmeta.length} entries for ${bandCount} bands`);
  const tileSize = o.tileSize ?? 256;
  if (!Number.isInteger(tileSize) || tileSize < 16 || tileSize > 4096 || tileSize % 16 !== 0) {
    fail('tileSize', `must be a multiple of 16 in 16..4096, got ${tileSize}`);
  }
  const compression = o.compression ?? 'deflate';
  if (compression !== 'deflate' && compression !== 'none') fail('compression', `must be 'deflate' or 'none', got ${String(compression)}`);
  const level = o.level ?? 6;
  if (!Number.isInteger(level) || level < 1 || level > 9) fail('level', `must be an integer in 1..9, got ${level}`);
  const predictor = o.predictor ?? 3;
  if (predictor !== 1 && predictor !== 3) fail('predictor', `must be 1 or 3, got ${String(predictor)}`);
  const overviews = o.overviews ?? 'auto';
  if (overviews !== 'auto' && (!Number.isInteger(overviews) || overviews < 0 || overviews > 30)) {
    fail('overviews', `must be 'auto' or an integer in 0..30, got ${String(overviews)}`);
  }
  const bigTiff = o.bigTiff ?? 'auto';
  if (bigTiff !== 'auto' && typeof bigTiff !== 'boolean') fail('bigTiff', `must be 'auto', true or false, got ${String(bigTiff)}`);
  const interleave = o.interleave ?? 'pixel';
  if (interleave !== 'pixel' && interleave !== 'band') fail('interleave', `must be 'pixel' or 'band', got ${String(interleave)}`);
  const concurrency = o.concurrency ?? 8;
  posInt('concurrency', concurrency, 256);
  return {
    width, height, bandCount, bands: o.bands, geotransform: gt as ResolvedCogOptions['geotransform'],
    epsg: o.epsg, wkt: o.wkt, geographic, nodata: o.nodata,
    bandDescriptions: descs, bandMetadata: bmeta, metadata: { ...(o.metadata ?? {}) },
    tileSize, compression, level, predictor, overviews, bigTiff, interleave, concurrency,
  };
}

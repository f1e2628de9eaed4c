/**
 * GeoTIFF reader: single- and multi-band, stripped or tiled, NONE/LZW/DEFLATE/PACKBITS/ZSTD with
 * predictors 2 and 3, pixel-interleaved or band-separate, classic TIFF or BigTIFF, COGs included.
 * The file is modelled like rioxarray models it (see `geotiff/dataset-model.ts`): `band_data(band,
 * y, x)` plus coordinates, and `georef` carries GDAL's geotransform and the EPSG code.
 *
 * ```ts
 * const ds = await geotiffFormat.open(await FileSource.open('t2m.tif'));
 * const firstBand = await ds.read('band_data', [0, 0, 0], [1, ds.dimensions[1].size, ds.dimensions[2].size]);
 * ```
 *
 * How: our IFD walker (`geotiff/ifd-reader.ts`) validates every offset and count against the file
 * size before allocating; pixels are read block by block through the ByteSource (never the whole
 * file), DEFLATE with node:zlib on the thread pool (parallel on every core), ZSTD with zstddec
 * (the WASM zstd geotiff.js ships), LZW/PackBits with our bounded decoders. geotiff.js's own
 * `readRasters` is not used because it does not survive the inputs this project must survive: our
 * fuzz test made its LZW decoder grow an array until V8 aborted the process (uncatchable) and its
 * ZSTD decoder exhaust the heap; its IFD parser allocates arrays sized by a tag's count before
 * checking that the file holds them; its 3.0.5 `DeferredArray` reads out-of-line tile offsets as
 * little-endian even in big-endian files; and it copies pixels one DataView call at a time. The
 * test suite still compares our values with geotiff.js's on the files it reads correctly. Any
 * unexpected failure is reported as CorruptFileError.
 *
 * Specs: TIFF 6.0, BigTIFF, OGC GeoTIFF 1.1 (https://docs.ogc.org/is/19-008r4/19-008r4.html),
 * GDAL COG layout (https://gdal.org/drivers/raster/cog.html).
 */
import { CorruptFileError, InvalidOptionError, UnknownVariableError, isGridcastError } from '../errors.js';
import type { ByteSource } from '../source/byte-source.js';
import type { AttrValue, DimensionInfo, Georeference, NumericArray, RasterDataset, RasterFormat, VariableInfo } from './types.js';
import { checkCoding } from './geotiff/block-decoder.js';
import { buildModel, parseNodata, type DatasetModel } from './geotiff/dataset-model.js';
import { isGeographic, isPixelIsPoint, parseGeoKeys, readGeoreference } from './geotiff/georeference.js';
import { readTiffStructure, type TiffStructure } from './geotiff/ifd-reader.js';
import { imageLayout } from './geotiff/image-layout.js';
import { Tag, COMPRESSION_NAMES } from './geotiff/tiff-tags.js';
import { readWindow, type ImageLayout } from './geotiff/window-reader.js';

/** The GeoTIFF format for the registry. */
export const geotiffFormat: RasterFormat = {
  name: 'geotiff',
  sniff: (h) =>
    (h[0] === 0x49 && h[1] === 0x49 && (h[2] === 42 || h[2] === 43) && h[3] === 0) ||
    (h[0] === 0x4d && h[1] === 0x4d && h[2] === 0 && (h[3] === 42 || h[3] === 43)),
  open: (source) => guard(source.name, () => GeotiffDataset.open(source)),
};

/** Runs `fn`, turning anything that is not a GridcastError into CorruptFileError. */
async function guard<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isGridcastError(e)) throw e;
    throw new CorruptFileError(`unreadable TIFF structure: ${(e as Error)?.message ?? String(e)}`, { file, cause: e });
  }
}

class GeotiffDataset implements RasterDataset {
  readonly format = 'geotiff' as const;
  readonly dimensions: DimensionInfo[];
  readonly variables: VariableInfo[];
  readonly attributes: Record<string, AttrValue>;

  private constructor(
    private readonly source: ByteSource,
    private readonly img: ImageLayout,
    private readonly model: DatasetModel,
    readonly formatDetail: string,
    readonly georef: Georeference | undefined,
  ) {
    this.dimensions = model.dimensions;
    this.variables = model.variables;
    this.attributes = model.attributes;
  }

  get name(): string {
    return this.source.name;
  }

  static async open(source: ByteSource): Promise<GeotiffDataset> {
    const file = source.name;
    const tiff = await readTiffStructure(source);
    const ifd = tiff.ifds[0];
    const nodata = parseNodata(ifd.text(Tag.GdalNodata));
    const img = imageLayout(ifd, file, tiff.littleEndian, nodata ?? 0);
    const keys = parseGeoKeys(ifd, file);
    const georef = readGeoreference(ifd, keys);
    const cog = await hasCogGhost(source, tiff.bigTiff);
    const storage = describeStorage(img);
    const model = buildModel(ifd, img, georef, isGeographic(keys), isPixelIsPoint(keys), storage);
    return new GeotiffDataset(source, img, model, describeFile(tiff, storage, cog), georef);
  }

  async read(variable: string, start?: number[], count?: number[]): Promise<NumericArray> {
    const v = this.variables.find((x) => x.name === variable);
    if (!v) {
      throw new UnknownVariableError(`no variable '${variable}'; the variables are ${this.variables.map((x) => x.name).join(', ')}`, {
        file: this.name, variable, expected: this.variables.map((x) => x.name).join(' | '),
      });
    }
    const [s, c] = checkBox(v, start, count, this.name);
    return guard(this.name, async () => {
      switch (variable) {
        case 'band_data': {
          const { img } = this;
          if (c[0] * c[1] * c[2] > 0) checkCoding(img);
          return readWindow(this.source, img, s[0], c[0], s[1], c[1], s[2], c[2]);
        }
        default: return this.model.coord(variable as 'x' | 'y' | 'band', s[0], c[0]);
      }
    });
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** Validates a read box against the variable's shape (InvalidOptionError naming the field). */
function checkBox(v: VariableInfo, start: number[] | undefined, count: number[] | undefined, file: string): [number[], number[]] {
  const s = start ?? v.shape.map(() => 0);
  const c = count ?? v.shape.map((n, i) => n - s[i]);
  for (const [name, arr] of [['start', s], ['count', c]] as const) {
    if (arr.length !== v.shape.length) {
      throw new InvalidOptionError(`${name} has ${arr.length} entries`, { file, variable: v.name, expected: `${v.shape.length} (${v.dims.join(', ')})` });
    }
  }
  for (let i = 0; i < v.shape.length; i++) {
    if (!Number.isInteger(s[i]) || !Number.isInteger(c[i]) || s[i] < 0 || c[i] < 0 || s[i] + c[i] > v.shape[i]) {
      throw new InvalidOptionError(`start[${i}]=${s[i]}, count[${i}]=${c[i]} is outside dimension '${v.dims[i]}' of size ${v.shape[i]}`, {
        file, variable: v.name, expected: `0 <= start and start + count <= ${v.shape[i]}`,
      });
    }
  }
  return [s, c];
}

/** True when the file starts with GDAL's COG "ghost" structural metadata declaring IFDs before data. */
async function hasCogGhost(source: ByteSource, bigTiff: boolean): Promise<boolean> {
  const at = bigTiff ? 16 : 8;
  const n = Math.min(200, source.size - at);
  if (n < 43) return false;
  const text = new TextDecoder('latin1').decode(await source.read(at, n));
  return text.startsWith('GDAL_STRUCTURAL_METADATA_SIZE=') && text.includes('LAYOUT=IFDS_BEFORE_DATA');
}

function describeStorage(img: ImageLayout): string {
  const parts = [img.tiled ? `tiled ${img.blockWidth}x${img.blockHeight}` : `stripped (${img.blockHeight} rows per strip)`];
  parts.push(COMPRESSION_NAMES[img.compression] ?? `compression ${img.compression}`);
  if (img.predictor !== 1) parts.push(`predictor ${img.predictor}`);
  if (img.samples > 1) parts.push(img.planar === 1 ? 'pixel-interleaved' : 'band-separate');
  return parts.join(', ');
}

function describeFile(tiff: TiffStructure, storage: string, cog: boolean): string {
  const overviews = tiff.ifds.slice(1).filter((d) => {
    const t = d.number(Tag.NewSubfileType, 0)!;
    return (t & 1) === 1 && (t & 4) === 0;
  }).length;
  const parts = [tiff.bigTiff ? 'GeoTIFF (BigTIFF)' : 'GeoTIFF', storage];
  if (!tiff.littleEndian) parts.push('big-endian');
  if (overviews > 0) parts.push(`${overviews} overview${overviews > 1 ? 's' : ''}`);
  if (cog) parts.push('COG layout');
  return parts.join(', ');
}

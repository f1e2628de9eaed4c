/**
 * GeoTIFF georeferencing → GDAL's view of it: the affine geotransform from ModelTiepoint +
 * ModelPixelScale or ModelTransformation (with GDAL's half-pixel shift for PixelIsPoint rasters),
 * and the CRS from the GeoKey directory (an EPSG code, else a description from the citations).
 *
 * Spec: OGC GeoTIFF 1.1 (https://docs.ogc.org/is/19-008r4/19-008r4.html) §7 (GeoKeys), §B.6
 * (raster space); GDAL's handling of PixelIsPoint: https://gdal.org/drivers/raster/gtiff.html.
 */
import type { Georeference } from '../types.js';
import { CorruptFileError } from '../../errors.js';
import type { Ifd } from './ifd-reader.js';
import { GeoKey, ModelType, RasterType, Tag, USER_DEFINED } from './tiff-tags.js';

/** The GeoKey directory: key id → number(s) or text. */
export type GeoKeys = Map<number, number | number[] | string>;

/** Parses the GeoKeyDirectory tag (with its double and ASCII parameter tags). Empty when absent. */
export function parseGeoKeys(ifd: Ifd, file: string): GeoKeys {
  const keys: GeoKeys = new Map();
  const dir = ifd.numbers(Tag.GeoKeyDirectory);
  if (!dir) return keys;
  if (dir.length < 4) throw new CorruptFileError(`GeoKeyDirectory has ${dir.length} values`, { file, expected: 'at least 4' });
  const n = dir[3];
  if (4 + 4 * n > dir.length) {
    throw new CorruptFileError(`GeoKeyDirectory declares ${n} keys but holds ${(dir.length - 4) / 4}`, { file });
  }
  const doubles = ifd.numbers(Tag.GeoDoubleParams) ?? [];
  const ascii = ifd.text(Tag.GeoAsciiParams) ?? '';
  for (let i = 0; i < n; i++) {
    const [id, location, count, value] = dir.slice(4 + 4 * i, 8 + 4 * i);
    if (location === 0) keys.set(id, value);
    else if (location === Tag.GeoDoubleParams) {
      const v = doubles.slice(value, value + count);
      keys.set(id, count === 1 ? v[0] : v);
    } else if (location === Tag.GeoAsciiParams) {
      keys.set(id, ascii.substring(value, value + count).replace(/\|$/, ''));
    } else if (location === Tag.GeoKeyDirectory) {
      keys.set(id, dir.slice(value, value + count));
    }
  }
  return keys;
}

/** True when the CRS is geographic (lat/lon degrees) rather than projected. */
export function isGeographic(keys: GeoKeys): boolean {
  const model = keys.get(GeoKey.GTModelType);
  if (model === ModelType.Geographic) return true;
  if (model === ModelType.Projected) return false;
  return !validCode(keys.get(GeoKey.ProjectedCSType)) && validCode(keys.get(GeoKey.GeographicType));
}

/** True for PixelIsPoint rasters (GTRasterTypeGeoKey = 2). */
export function isPixelIsPoint(keys: GeoKeys): boolean {
  return keys.get(GeoKey.GTRasterType) === RasterType.PixelIsPoint;
}

/**
 * The georeference of an image, or undefined when it has no affine transform (no tags, or only
 * ground control points).
 */
export function readGeoreference(ifd: Ifd, keys: GeoKeys): Georeference | undefined {
  let gt: [number, number, number, number, number, number] | undefined;
  const m = ifd.numbers(Tag.ModelTransformation);
  const tie = ifd.numbers(Tag.ModelTiepoint);
  const scale = ifd.numbers(Tag.ModelPixelScale);
  if (m && m.length >= 16) {
    gt = [m[3], m[0], m[1], m[7], m[4], m[5]];
  } else if (tie && tie.length === 6 && scale && scale.length >= 2) {
    const [i, j, , x, y] = tie;
    gt = [x - i * scale[0], scale[0], 0, y + j * scale[1], 0, -scale[1]];
  }
  if (!gt) return undefined;
  if (isPixelIsPoint(keys)) {
    // GDAL keeps the corner convention: the tie point names a pixel centre, so move half a pixel.
    gt[0] -= 0.5 * gt[1] + 0.5 * gt[2];
    gt[3] -= 0.5 * gt[4] + 0.5 * gt[5];
  }
  const georef: Georeference = { geotransform: gt };
  const epsg = crsCode(keys);
  if (epsg !== undefined) georef.epsg = epsg;
  else {
    const wkt = crsDescription(keys);
    if (wkt) georef.wkt = wkt;
  }
  return georef;
}

/** The EPSG code of the CRS (projected first, then geographic), if the file names one. */
export function crsCode(keys: GeoKeys): number | undefined {
  const p = keys.get(GeoKey.ProjectedCSType);
  if (validCode(p)) return p as number;
  const g = keys.get(GeoKey.GeographicType);
  if (validCode(g)) return g as number;
  return undefined;
}

/** A description of a user-defined CRS from the citation keys ('ESRI PE String = PROJCS[…]' → the WKT). */
function crsDescription(keys: GeoKeys): string | undefined {
  const parts: string[] = [];
  for (const id of [GeoKey.PCSCitation, GeoKey.GTCitation, GeoKey.GeogCitation]) {
    const v = keys.get(id);
    if (typeof v !== 'string' || v === '') continue;
    const pe = /ESRI PE String = (.*)$/s.exec(v);
    if (pe) return pe[1];
    if (!parts.includes(v)) parts.push(v);
  }
  return parts.length ? parts.join('; ') : undefined;
}

function validCode(v: unknown): boolean {
  return typeof v === 'number' && v > 0 && v !== USER_DEFINED;
}

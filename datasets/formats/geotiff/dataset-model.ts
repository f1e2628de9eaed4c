/**
 * Presents a GeoTIFF the way rioxarray does (`rioxarray.open_rasterio`): dimensions band, y, x; a
 * data variable `band_data(band, y, x)`; coordinates `y`/`x` at pixel centres from the
 * geotransform and `band` = 1..N; GDAL's nodata, scale/offset, band descriptions and metadata
 * items as attributes, so the CF layer above treats it like any NetCDF variable.
 *
 * See https://corteva.github.io/rioxarray/stable/getting_started/getting_started.html and GDAL's
 * GTiff metadata (https://gdal.org/drivers/raster/gtiff.html#metadata).
 */
import type { AttrValue, DimensionInfo, Georeference, VariableInfo } from '../types.js';
import type { Ifd } from './ifd-reader.js';
import { parseGdalMetadata } from './gdal-metadata.js';
import { Tag } from './tiff-tags.js';
import type { ImageLayout } from './window-reader.js';

/** The file's structure as dimensions, variables, global attributes and coordinate values. */
export interface DatasetModel {
  dimensions: DimensionInfo[];
  variables: VariableInfo[];
  attributes: Record<string, AttrValue>;
  /** Coordinate values of `name` ('x', 'y' or 'band') for indices start..start+count, computed on demand. */
  coord(name: 'x' | 'y' | 'band', start: number, count: number): Float64Array | Int32Array;
}

/** Parses GDAL_NODATA text ('-9999', 'nan', 'inf', '-inf'); undefined when absent or unreadable. */
export function parseNodata(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim().toLowerCase();
  if (t === 'nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  const v = Number(t);
  return t === '' || Number.isNaN(v) ? undefined : v;
}

/** Builds the rioxarray-like model of the image described by `ifd` and `img`. */
export function buildModel(
  ifd: Ifd, img: ImageLayout, georef: Georeference | undefined, geographic: boolean, pixelIsPoint: boolean, storage: string,
): DatasetModel {
  const { width, height, samples } = img;
  // Pixel centres along the first row (x) and first column (y); for rotated grids these are the
  // axes of that row and column. Without georeferencing, pixel indices + 0.5 as rioxarray does.
  const gt = georef?.geotransform ?? [0, 1, 0, 0, 0, 1];
  const coord = (name: 'x' | 'y' | 'band', start: number, count: number): Float64Array | Int32Array => {
    if (name === 'band') return Int32Array.from({ length: count }, (_, i) => start + i + 1);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const k = start + i + 0.5;
      out[i] = name === 'x' ? gt[0] + k * gt[1] + 0.5 * gt[2] : gt[3] + 0.5 * gt[4] + k * gt[5];
    }
    return out;
  };

  const items = parseGdalMetadata(ifd.text(Tag.GdalMetadata) ?? '');
  const attributes: Record<string, AttrValue> = {};
  const descriptions: string[] = new Array(samples).fill('');
  const bandItems: Record<string, string>[] = Array.from({ length: samples }, () => ({}));
  const scales: (number | undefined)[] = new Array(samples).fill(undefined);
  const offsets: (number | undefined)[] = new Array(samples).fill(undefined);
  for (const it of items) {
    const key = it.domain ? `${it.domain}:${it.name}` : it.name;
    if (it.sample === undefined) {
      attributes[key] = it.value;
    } else if (it.sample < samples) {
      if (it.role === 'description') descriptions[it.sample] = it.value;
      else if (it.role === 'scale') scales[it.sample] = Number(it.value);
      else if (it.role === 'offset') offsets[it.sample] = Number(it.value);
      else bandItems[it.sample][key] = it.value;
    }
  }
  const desc = ifd.text(Tag.ImageDescription);
  if (desc !== undefined) attributes.TIFFTAG_IMAGEDESCRIPTION = desc;
  const dt = ifd.text(Tag.DateTime);
  if (dt !== undefined) attributes.TIFFTAG_DATETIME = dt;
  attributes.AREA_OR_POINT = pixelIsPoint ? 'Point' : 'Area';

  const dataAttrs: Record<string, AttrValue> = {};
  const nodata = parseNodata(ifd.text(Tag.GdalNodata));
  if (nodata !== undefined) dataAttrs._FillValue = [nodata];
  const perBand = (vals: (number | undefined)[], dflt: number): number[] | undefined => {
    if (vals.every((v) => v === undefined)) return undefined;
    const full = vals.map((v) => (v === undefined || Number.isNaN(v) ? dflt : v));
    return full.every((v) => v === full[0]) ? [full[0]] : full;
  };
  const sf = perBand(scales, 1);
  const ao = perBand(offsets, 0);
  if (sf) dataAttrs.scale_factor = sf;
  if (ao) dataAttrs.add_offset = ao;
  dataAttrs.band_descriptions = JSON.stringify(descriptions);
  dataAttrs.band_metadata = JSON.stringify(bandItems);
  if (georef?.epsg !== undefined) dataAttrs.crs_epsg = [georef.epsg];
  if (georef?.wkt !== undefined) dataAttrs.crs_wkt = georef.wkt;

  const coordAttrs = (axis: 'X' | 'Y'): Record<string, AttrValue> => geographic
    ? axis === 'X'
      ? { standard_name: 'longitude', long_name: 'longitude', units: 'degrees_east', axis }
      : { standard_name: 'latitude', long_name: 'latitude', units: 'degrees_north', axis }
    : axis === 'X'
      ? { standard_name: 'projection_x_coordinate', long_name: 'x coordinate of projection', units: 'metre', axis }
      : { standard_name: 'projection_y_coordinate', long_name: 'y coordinate of projection', units: 'metre', axis };

  return {
    dimensions: [{ name: 'band', size: samples }, { name: 'y', size: height }, { name: 'x', size: width }],
    variables: [
      { name: 'band_data', dims: ['band', 'y', 'x'], shape: [samples, height, width], dtype: img.dtype, attributes: dataAttrs, storage },
      { name: 'band', dims: ['band'], shape: [samples], dtype: 'int32', attributes: { long_name: 'band number' } },
      { name: 'y', dims: ['y'], shape: [height], dtype: 'float64', attributes: coordAttrs('Y') },
      { name: 'x', dims: ['x'], shape: [width], dtype: 'float64', attributes: coordAttrs('X') },
    ],
    attributes,
    coord,
  };
}

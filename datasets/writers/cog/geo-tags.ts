/**
 * The GeoTIFF and GDAL tags of a COG's main image: ModelPixelScale + ModelTiepoint (or
 * ModelTransformation for rotated grids), the GeoKey directory (GTModelType, GTRasterType =
 * PixelIsArea, GeographicType or ProjectedCSType, a citation for WKT), GDAL_METADATA and
 * GDAL_NODATA. Spec: OGC GeoTIFF 1.1 (https://docs.ogc.org/is/19-008r4/19-008r4.html) and the GDAL
 * GTiff driver (https://gdal.org/drivers/raster/gtiff.html).
 */
import { buildGdalMetadata, type GdalMetadataItem } from '../../formats/geotiff/gdal-metadata.js';
import { FieldType, GeoKey, ModelType, RasterType, Tag, USER_DEFINED } from '../../formats/geotiff/tiff-tags.js';
import type { ResolvedCogOptions } from './options.js';
import type { TagSpec } from './tiff-header.js';

/** GDAL_NODATA text: GDAL reads 'nan', 'inf', '-inf' and plain decimal numbers. */
export function formatNodata(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** Georeferencing tags for the main IFD. */
export function georefTags(o: ResolvedCogOptions): TagSpec[] {
  const [x0, dx, rx, y0, ry, dy] = o.geotransform;
  const tags: TagSpec[] = [];
  if (rx === 0 && ry === 0) {
    tags.push({ tag: Tag.ModelPixelScale, type: FieldType.DOUBLE, values: [dx, -dy, 0] });
    tags.push({ tag: Tag.ModelTiepoint, type: FieldType.DOUBLE, values: [0, 0, 0, x0, y0, 0] });
  } else {
    tags.push({
      tag: Tag.ModelTransformation, type: FieldType.DOUBLE,
      values: [dx, rx, 0, x0, ry, dy, 0, y0, 0, 0, 0, 0, 0, 0, 0, 1],
    });
  }
  const keys: [number, number, number, number][] = [];
  let ascii = '';
  const model = o.geographic ? ModelType.Geographic : ModelType.Projected;
  if (o.epsg !== undefined || o.wkt !== undefined) keys.push([GeoKey.GTModelType, 0, 1, model]);
  keys.push([GeoKey.GTRasterType, 0, 1, RasterType.PixelIsArea]);
  if (o.wkt !== undefined) {
    const text = `${o.wkt}|`;
    keys.push([GeoKey.GTCitation, Tag.GeoAsciiParams, text.length, ascii.length]);
    ascii += text;
  }
  if (o.epsg !== undefined) {
    keys.push([o.geographic ? GeoKey.GeographicType : GeoKey.ProjectedCSType, 0, 1, o.epsg]);
  } else if (o.wkt !== undefined) {
    keys.push([o.geographic ? GeoKey.GeographicType : GeoKey.ProjectedCSType, 0, 1, USER_DEFINED]);
  }
  keys.sort((a, b) => a[0] - b[0]);
  tags.push({ tag: Tag.GeoKeyDirectory, type: FieldType.SHORT, values: [1, 1, 0, keys.length, ...keys.flat()] });
  if (ascii) tags.push({ tag: Tag.GeoAsciiParams, type: FieldType.ASCII, values: ascii });
  return tags;
}

/** GDAL_METADATA items: dataset items, then per band its items and its description. */
export function metadataItems(o: ResolvedCogOptions): GdalMetadataItem[] {
  const items: GdalMetadataItem[] = Object.entries(o.metadata).map(([name, value]) => ({ name, value }));
  for (let b = 0; b < o.bandCount; b++) {
    for (const [name, value] of Object.entries(o.bandMetadata[b] ?? {})) items.push({ name, value, sample: b });
    const d = o.bandDescriptions[b];
    if (d !== undefined && d !== '') items.push({ name: 'DESCRIPTION', value: d, sample: b, role: 'description' });
  }
  return items;
}

/** GDAL_METADATA and GDAL_NODATA tags (those that apply). */
export function gdalTags(o: ResolvedCogOptions, withMetadata: boolean): TagSpec[] {
  const tags: TagSpec[] = [];
  if (withMetadata) {
    const items = metadataItems(o);
    if (items.length) tags.push({ tag: Tag.GdalMetadata, type: FieldType.ASCII, values: buildGdalMetadata(items) });
  }
  if (o.nodata !== undefined) tags.push({ tag: Tag.GdalNodata, type: FieldType.ASCII, values: formatNodata(o.nodata) });
  return tags;
}

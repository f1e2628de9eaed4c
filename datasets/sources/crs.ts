/** The CRS of a variable: the file's own georeference (GeoTIFF), a CF grid mapping, or lat/lon. */
import type { RasterDataset, VariableInfo } from '../formats/types.js';
import { attrString } from '../cf/attributes.js';
import type { Crs } from '../grid/types.js';

/**
 * GeoTIFF geokeys win; then the CF `grid_mapping` variable's `crs_wkt`/`spatial_ref` (what GDAL
 * and rioxarray write) or an `epsg_code` like 'EPSG:32633'; latitude/longitude axes mean
 * EPSG:4326 (WGS 84), as CF's default for lat/lon grids. An unknown projected CRS stays empty.
 */
export function crsOf(ds: RasterDataset, variable: VariableInfo, geographic: boolean): Crs {
  if (ds.georef && (ds.georef.epsg !== undefined || ds.georef.wkt)) {
    const c: Crs = {};
    if (ds.georef.epsg !== undefined) c.epsg = ds.georef.epsg;
    else if (ds.georef.wkt) c.wkt = ds.georef.wkt;
    return c;
  }
  const gmName = attrString(variable.attributes, 'grid_mapping')?.split(/[\s:]/)[0];
  const gm = gmName ? ds.variables.find((v) => v.name === gmName) : undefined;
  if (gm) {
    const code = attrString(gm.attributes, 'epsg_code') ?? attrString(gm.attributes, 'EPSG_code');
    const m = code ? /(\d{4,6})/.exec(code) : null;
    if (m) return { epsg: Number(m[1]) };
    const wkt = attrString(gm.attributes, 'crs_wkt') ?? attrString(gm.attributes, 'spatial_ref');
    const wktCode = wkt ? /AUTHORITY\["EPSG","(\d+)"\]\]\s*$/.exec(wkt) ?? /ID\["EPSG",(\d+)\]\]\s*$/.exec(wkt) : null;
    if (wktCode) return { epsg: Number(wktCode[1]) };
    if (wkt) return { wkt };
    if (attrString(gm.attributes, 'grid_mapping_name') === 'latitude_longitude') return { epsg: 4326 };
  }
  return geographic ? { epsg: 4326 } : {};
}

/**
 * The Grid data contract (see DESIGN.md): values in (T, C, H, W) order as float32 with NaN for
 * missing, north-up rows, coordinates, CRS and the affine geotransform carried with the data.
 */

/** Coordinate reference system: an EPSG code, a WKT text, or both. */
export interface Crs {
  epsg?: number;
  wkt?: string;
}

/** GDAL order: [x0, dx, rx, y0, ry, dy], x0/y0 the outer corner of the north-west pixel. */
export type GeoTransform = [number, number, number, number, number, number];

/** One channel of a stack: a variable of a source. */
export interface ChannelInfo {
  /** Channel name (the variable name unless renamed in the config). */
  name: string;
  units?: string;
  longName?: string;
  /** Where it came from ('data/t2m_2020.nc:t2m'), for messages and provenance. */
  source?: string;
}

/** The horizontal grid after ingest: north-up, one longitude convention, regular spacing. */
export interface GridAxes {
  /** Row-centre coordinates, north to south (strictly decreasing). */
  y: Float64Array;
  /** Column-centre coordinates, west to east (strictly increasing). */
  x: Float64Array;
  crs: Crs;
  geotransform: GeoTransform;
  /** True when x/y are longitude/latitude in degrees. */
  geographic: boolean;
}

/** A whole gridded field over time. */
export interface Grid extends GridAxes {
  /** ISO-8601 instants, one per time step. */
  times: string[];
  channels: ChannelInfo[];
  /** (T, C, H, W) float32, NaN = missing. */
  values: Float32Array;
}

/** What a user names to make one channel: files, a variable, and how to find its times. */
import type { LonConvention, BBox } from '../grid/axis-plan.js';

/** Selects one position along an extra dimension (pressure level, height, ensemble member). */
export interface LevelSelector {
  /** Dimension name; default: the only extra dimension longer than 1. */
  dim?: string;
  /** Position along it (0-based). Give this or `value`. */
  index?: number;
  /** Coordinate value to select (exact match within 1e-6). */
  value?: number;
}

/** One channel's data: a variable over one or more files, concatenated along time. */
export interface SourceSpec {
  /** Files, already expanded (globs are expanded by the caller, sorted). */
  files: string[];
  /** Variable name. GeoTIFF files expose their bands as 'band_data' (the default for them). */
  variable?: string;
  /** Channel name in the stack; default: the variable name. */
  name?: string;
  /** Level to select when the variable has an extra dimension longer than 1. */
  level?: LevelSelector;
  /**
   * File-name time pattern (strftime directives, e.g. 'sst_%Y%m%d.tif') for single-time files
   * without a time coordinate. Matched against each file's base name.
   */
  timePattern?: string;
  /**
   * Times for files that carry none (a multi-band GeoTIFF whose bands are time steps without
   * per-band times): the first instant (ISO-8601) and the step in hours.
   */
  times?: { start: string; stepHours: number };
}

/** Grid options shared by all sources of a stack. */
export interface GridOptions {
  /** Longitude convention of the output grid. Default '-180..180'. */
  lon?: LonConvention;
  /** Crop to this box (cell centres, in output coordinates). Default: none. */
  bbox?: BBox;
  /** Integer coarsening factor. Default 1. */
  coarsen?: number;
  /** 'subsample' (default) or 'mean' (NaN-ignoring block mean). */
  coarsenMethod?: 'subsample' | 'mean';
}

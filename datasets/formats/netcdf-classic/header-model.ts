/**
 * The parsed NetCDF classic header as both header parsers (netcdfjs's and ours) deliver it,
 * before layout checks: the file's own lists of dimensions, attributes and variables.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */

/** Format version byte: 1 = CDF-1 classic, 2 = CDF-2 64-bit offset, 5 = CDF-5 64-bit data. */
export type ClassicVersion = 1 | 2 | 5;

/** numrecs value meaning "being written, count the records from the file size". */
export const STREAMING = -1;

/** One attribute: text (char attributes) or numbers (every other type). */
export interface RawAttribute {
  name: string;
  /** nc_type code. */
  type: number;
  value: string | number[];
}

export interface RawDimension {
  name: string;
  /** 0 for the record (unlimited) dimension. */
  size: number;
}

export interface RawVariable {
  name: string;
  dimIds: number[];
  attributes: RawAttribute[];
  /** nc_type code. */
  type: number;
  /** Byte offset of the variable's data (of its first record for record variables). */
  begin: number;
}

/** A whole header. */
export interface ClassicHeader {
  version: ClassicVersion;
  /** Number of records, or STREAMING. */
  numrecs: number;
  dimensions: RawDimension[];
  attributes: RawAttribute[];
  variables: RawVariable[];
  /** Bytes the header occupies; data begins at or after this offset. */
  headerSize: number;
  /** Which parser produced it (shown by inspect and used by tests). */
  parser: 'netcdfjs' | 'gridcast';
}

/** Thrown by header parsers when the bytes they were given end inside the header. */
export class NeedMoreBytes {
  constructor(readonly atLeast: number) {}
}

/**
 * The NetCDF-4 data model recovered from the HDF5 objects netcdf-c writes:
 * - a dimension is an HDF5 dimension scale (CLASS="DIMENSION_SCALE"); its dataset name is the
 *   dimension name, `_Netcdf4Dimid` its id. A dimension without a coordinate variable is a scale
 *   whose NAME starts "This is a netCDF dimension but not a netCDF variable" — hidden from the
 *   variables. A variable that shares a dimension's name without being its coordinate is stored as
 *   `_nc4_non_coord_<name>`.
 * - a variable's dimensions come from its `_Netcdf4Coordinates` (dimension ids), else its
 *   DIMENSION_LIST (attached scales); plain HDF5 datasets get `phony_dim_N` like netcdf-c.
 * - HDF5/netCDF bookkeeping attributes (CLASS, NAME, REFERENCE_LIST, DIMENSION_LIST,
 *   `_Netcdf4Dimid`, `_Netcdf4Coordinates`, `_NCProperties`, `_nc3_strict`…) are kept out of
 *   `attributes`.
 * Variables and dimensions of sub-groups are named by their path: 'forecast/t2m'.
 *
 * Spec: https://docs.unidata.ucar.edu/netcdf-c/current/file_format_specifications.html
 */
import { CorruptFileError } from '../../errors.js';
import type { AttrValue, DimensionInfo, DType, VariableInfo } from '../types.js';
import type { H5Metadata, H5Module } from './h5-runtime.js';
import { dtypeOf, objectAddress, readAttribute, readDimensionList } from './h5-values.js';
import { storageString, type FilterInfo } from './filters.js';

/** Attributes that are HDF5 or netCDF-4 machinery, not user metadata. */
export const INTERNAL_ATTRIBUTES = new Set([
  'CLASS', 'NAME', 'REFERENCE_LIST', 'DIMENSION_LIST', 'DIMENSION_LABELS', '_Netcdf4Dimid', '_Netcdf4Coordinates',
  '_NCProperties', '_nc3_strict', '_IsNetcdf4', '_SuperblockVersion',
]);

const PURE_DIMENSION = 'This is a netCDF dimension but not a netCDF variable';
const NON_COORD_PREFIX = '_nc4_non_coord_';
/** Guards against link cycles and absurd object counts in corrupt files. */
const MAX_OBJECTS = 100_000;
const MAX_DEPTH = 64;

/** A variable with what reading it needs. */
export interface Netcdf4Variable extends VariableInfo {
  /** Absolute HDF5 path of the dataset. */
  path: string;
  /** The HDF5 dataset's own extent; shorter than `shape` along unlimited dimensions it did not fill. */
  storedShape: number[];
  meta: H5Metadata;
  filters: FilterInfo[];
}

/** What `buildStructure` recovers from a file. */
export interface Netcdf4Structure {
  dimensions: DimensionInfo[];
  variables: Netcdf4Variable[];
  attributes: Record<string, AttrValue>;
  /** Sub-group paths ('forecast', 'forecast/surface'). */
  groups: string[];
  /** True when netCDF-4 markers were found (_NCProperties, _Netcdf4Dimid, dimension scales). */
  netcdf: boolean;
  /** NetCDF-4 classic model (`_nc3_strict`). */
  classicModel: boolean;
  /** `_NCProperties` ('version=2,netcdf=4.9.0,hdf5=1.10.8'), when present. */
  properties?: string;
}

interface RawDataset {
  path: string;
  group: string;
  meta: H5Metadata;
  attrNames: string[];
  scale?: { dimName: string; dimid?: number; pure: boolean };
}

/** '/a/b/_nc4_non_coord_x' -> 'a/b/x'. */
function publicName(path: string): string {
  const parts = path.replace(/^\/+/, '').split('/');
  const last = parts.length - 1;
  if (parts[last].startsWith(NON_COORD_PREFIX)) parts[last] = parts[last].slice(NON_COORD_PREFIX.length);
  return parts.join('/');
}

function isUnlimited(maxdim: number | undefined): boolean {
  return maxdim !== undefined && maxdim > Number.MAX_SAFE_INTEGER; // H5S_UNLIMITED = 2^64-1
}

function attrs(m: H5Module, fid: bigint, path: string, names: string[]): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const name of names) {
    if (INTERNAL_ATTRIBUTES.has(name)) continue;
    const v = readAttribute(m, fid, path, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** Lists datasets depth-first in creation order (netcdf-c tracks it), sub-groups after datasets. */
function walk(m: H5Module, fid: bigint, file: string): { datasets: RawDataset[]; groups: string[] } {
  const datasets: RawDataset[] = [];
  const groups: string[] = [];
  let seen = 0;
  const visit = (group: string, depth: number): void => {
    if (depth > MAX_DEPTH) throw new CorruptFileError(`groups nest deeper than ${MAX_DEPTH} levels at '${group}'`, { file });
    const sub: string[] = [];
    for (const name of m.get_names(fid, group, false)) {
      if (++seen > MAX_OBJECTS) throw new CorruptFileError(`more than ${MAX_OBJECTS} objects`, { file });
      const path = group === '/' ? `/${name}` : `${group}/${name}`;
      const type = m.get_type(fid, path);
      if (type === m.H5G_GROUP) sub.push(path);
      else if (type === m.H5G_DATASET) {
        datasets.push({ path, group, meta: m.get_dataset_metadata(fid, path), attrNames: m.get_attribute_names(fid, path) });
      }
    }
    for (const path of sub) {
      groups.push(path.slice(1));
      visit(path, depth + 1);
    }
  };
  visit('/', 0);
  return { datasets, groups };
}

/** Reads the NetCDF-4 view of the open HDF5 file `fid`. Errors propagate as thrown by h5wasm. */
export function buildStructure(m: H5Module, fid: bigint, file: string): Netcdf4Structure {
  const rootAttrNames = m.get_attribute_names(fid, '/');
  const { datasets, groups } = walk(m, fid, file);

  // Dimension scales first: they define the dimensions.
  const dims = new Map<string, DimensionInfo>(); // by dimension name
  const byScalePath = new Map<number, string>(); // scale's object address -> dimension name
  const byDimid = new Map<number, string>();
  const dimidOf = new Map<string, number>();
  for (const d of datasets) {
    if (!d.attrNames.includes('CLASS') || readAttribute(m, fid, d.path, 'CLASS') !== 'DIMENSION_SCALE') continue;
    const nameAttr = d.attrNames.includes('NAME') ? readAttribute(m, fid, d.path, 'NAME') : undefined;
    const dimidAttr = d.attrNames.includes('_Netcdf4Dimid') ? readAttribute(m, fid, d.path, '_Netcdf4Dimid') : undefined;
    const dimName = publicName(d.path);
    const pure = typeof nameAttr === 'string' && nameAttr.startsWith(PURE_DIMENSION);
    const dimid = Array.isArray(dimidAttr) && dimidAttr.length === 1 ? dimidAttr[0] : undefined;
    d.scale = { dimName, dimid, pure };
    const shape = d.meta.shape ?? [];
    dims.set(dimName, { name: dimName, size: shape[0] ?? 0, ...(isUnlimited(d.meta.maxshape?.[0]) ? { unlimited: true } : {}) });
    byScalePath.set(objectAddress(m, fid, d.path), dimName);
    if (dimid !== undefined) {
      byDimid.set(dimid, dimName);
      dimidOf.set(dimName, dimid);
    }
  }

  // netcdf-c's naming for datasets without dimension scales: one phony_dim_N per distinct length
  // in a group, and another one when a dataset has the same length twice.
  const phony = new Map<string, string>(); // `${group}:${size}:${repeat}` -> name
  const phonyDims = (group: string, shape: number[]): string[] => {
    const seen = new Map<number, number>();
    return shape.map((size) => {
      const repeat = seen.get(size) ?? 0;
      seen.set(size, repeat + 1);
      const key = `${group}:${size}:${repeat}`;
      let name = phony.get(key);
      if (!name) {
        const base = `phony_dim_${phony.size}`;
        name = group === '/' ? base : `${group.slice(1)}/${base}`;
        phony.set(key, name);
        dims.set(name, { name, size });
      }
      return name;
    });
  };

  const variables: Netcdf4Variable[] = [];
  for (const d of datasets) {
    if (d.scale?.pure) continue;
    const shape = d.meta.shape ?? [];
    const dtype: DType | undefined = dtypeOf(d.meta);
    if (dtype === undefined) continue; // compound, opaque, reference…: not NetCDF data we read
    const varDims = dimensionsOf(m, fid, d, shape, byScalePath, byDimid) ?? phonyDims(d.group, shape);
    shape.forEach((n, i) => {
      const dim = dims.get(varDims[i]);
      if (dim?.unlimited && n > dim.size) dim.size = n; // the record count is the longest variable's
    });
    const filters = d.meta.chunks ? (m.get_dataset_filters(fid, d.path) as FilterInfo[]) : [];
    variables.push({
      name: publicName(d.path),
      path: d.path,
      dims: varDims,
      shape,
      storedShape: shape,
      dtype,
      attributes: attrs(m, fid, d.path, d.attrNames),
      storage: storageString(d.meta, filters),
      meta: d.meta,
      filters,
    });
  }

  // NetCDF gives every variable on an unlimited dimension that dimension's full length.
  for (const v of variables) {
    v.shape = v.storedShape.map((n, i) => {
      const dim = dims.get(v.dims[i]);
      return dim?.unlimited ? Math.max(n, dim.size) : n;
    });
  }

  const props = rootAttrNames.includes('_NCProperties') ? readAttribute(m, fid, '/', '_NCProperties') : undefined;
  return {
    // ncdump lists dimensions by id; scales without one (plain HDF5) and phony ones follow.
    dimensions: [...dims.values()].sort((a, b) => (dimidOf.get(a.name) ?? 1e15) - (dimidOf.get(b.name) ?? 1e15)),
    variables,
    attributes: attrs(m, fid, '/', rootAttrNames),
    groups,
    netcdf: props !== undefined || byScalePath.size > 0,
    classicModel: rootAttrNames.includes('_nc3_strict'),
    properties: typeof props === 'string' ? props : undefined,
  };
}

/** A dataset's dimension names, or undefined when nothing in the file names them. */
function dimensionsOf(m: H5Module, fid: bigint, d: RawDataset, shape: number[], byScalePath: Map<number, string>, byDimid: Map<number, string>): string[] | undefined {
  if (shape.length === 0) return [];
  if (d.scale && shape.length === 1) return [d.scale.dimName];
  // netcdf-c's own record first: a plain integer attribute. DIMENSION_LIST (files from other
  // writers) is a vlen of references in the global heap, which HDF5 can loop on forever when the
  // heap is corrupt, so it is only read when nothing else names the dimensions.
  if (d.attrNames.includes('_Netcdf4Coordinates')) {
    const ids = readAttribute(m, fid, d.path, '_Netcdf4Coordinates');
    if (Array.isArray(ids) && ids.length === shape.length) {
      const names = ids.map((id) => byDimid.get(id));
      if (names.every((n) => n !== undefined)) return names as string[];
    }
  }
  if (d.attrNames.includes('DIMENSION_LIST')) {
    const names = readDimensionList(m, fid, d.path, shape.length)?.map((addr) => (addr === undefined ? undefined : byScalePath.get(addr)));
    if (names?.every((n) => n !== undefined)) return names as string[];
  }
  return undefined;
}

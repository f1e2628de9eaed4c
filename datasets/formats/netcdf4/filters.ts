/**
 * HDF5 filter pipelines as NetCDF-4 uses them: which filters this build of h5wasm can decode, and
 * the human-readable `storage` string shown by `inspect` ('chunked 1x361x720, deflate level 1,
 * shuffle').
 *
 * Registered filter ids: https://github.com/HDFGroup/hdf5_plugins/blob/master/docs/RegisteredFilterPlugins.md
 */
import { UnsupportedFeatureError } from '../../errors.js';
import type { H5Metadata } from './h5-runtime.js';

/** One entry of a dataset's filter pipeline, as h5wasm reports it. */
export interface FilterInfo {
  id: number;
  name: string;
  cd_values: number[];
}

/** Filters built into h5wasm's HDF5 (libhdf5-wasm bundles zlib and libaec for szip). */
const BUILT_IN: Record<number, string> = {
  1: 'deflate',
  2: 'shuffle',
  3: 'fletcher32',
  4: 'szip',
  5: 'nbit',
  6: 'scaleoffset',
};

/** Well-known plugin filters, so the error can name what the file needs. */
const PLUGINS: Record<number, string> = {
  305: 'lzo', 307: 'bzip2', 32000: 'lzf', 32001: 'blosc', 32004: 'lz4', 32008: 'bitshuffle',
  32013: 'zfp', 32015: 'zstd', 32017: 'sz', 32026: 'blosc2', 32024: 'sz3',
};

/** A filter's short name: ours for known ids, else the name stored in the file, else its id. */
export function filterName(f: FilterInfo): string {
  return BUILT_IN[f.id] ?? PLUGINS[f.id] ?? (f.name ? `${f.name} (filter ${f.id})` : `filter ${f.id}`);
}

/** Throws UnsupportedFeatureError naming the first filter h5wasm cannot decode. */
export function checkFilters(filters: FilterInfo[], file: string, variable: string): void {
  const bad = filters.find((f) => !(f.id in BUILT_IN));
  if (bad) {
    throw new UnsupportedFeatureError(`compressed with ${filterName(bad)} (HDF5 filter id ${bad.id}), which h5wasm cannot decode`, {
      file,
      variable,
      expected: 'deflate (zlib), shuffle, fletcher32, szip, nbit or scaleoffset; rewrite with `nccopy -d 1 -s in.nc out.nc`',
    });
  }
}

/** 'contiguous' or 'chunked 1x361x720, deflate level 1, shuffle'. */
export function storageString(meta: H5Metadata, filters: FilterInfo[]): string {
  if (!meta.chunks) return 'contiguous';
  const parts = [`chunked ${meta.chunks.join('x')}`];
  for (const f of filters) {
    if (f.id === 1) parts.push(`deflate level ${f.cd_values[0] ?? '?'}`);
    else parts.push(filterName(f));
  }
  return parts.join(', ');
}

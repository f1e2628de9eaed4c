/**
 * gridcast datasets: raster I/O both ways (NetCDF classic and NetCDF-4, GeoTIFF/COG), CF
 * decoding, grids, frame sources and stacks, windowed datasets of (B,T,C,H,W) tensors, the
 * safetensors codec and synthetic data. No TensorFlow.js, no Redis.
 *
 * ```ts
 * import { openRaster, buildDataset, openDataset } from 'gridcast/datasets';
 * const ds = await openRaster('t2m_2020.nc');            // format from the magic bytes
 * console.log(ds.variables.map((v) => v.name));
 * await ds.close();
 * ```
 */
export * from './errors.js';
export type { ByteSource } from './source/byte-source.js';
export { MemorySource } from './source/byte-source.js';
export { FileSource, FileOpenError } from './source/file-source.js';
export type { RasterDataset, RasterFormat, VariableInfo, DimensionInfo, AttrValue, DType, FormatName, Georeference, NumericArray } from './formats/types.js';
export { openRaster, openRasterSource, sniffFormat } from './formats/registry.js';
export { decodePacked, packingRule, type PackingRule } from './cf/packing.js';
export { decodeTimes, decodeTimesMs, isoTime, parseTimeUnits } from './cf/time.js';
export { compileFilenameTime } from './cf/filename-time.js';
export { classifyAxes, type AxisInfo } from './cf/axes.js';
export type { Grid, GridAxes, ChannelInfo, Crs, GeoTransform } from './grid/types.js';
export { planAxes, applyPlan, type AxisPlan, type AxisPlanOptions, type BBox, type LonConvention } from './grid/axis-plan.js';
export type { SourceSpec, GridOptions, LevelSelector } from './sources/source-spec.js';
export { openFrameSource, type FrameSource } from './sources/frame-source.js';
export { openStack, type FrameStack } from './sources/stack.js';
export { planWindows, type WindowOptions, type WindowPlan, type SplitName } from './dataset/windows.js';
export { buildDataset, type BuildDatasetOptions, type IngestProgress } from './dataset/build-dataset.js';
export { openDataset, type Dataset, type SampleBatch } from './dataset/open-dataset.js';
export type { DatasetInfo } from './dataset/dataset-info.js';
export { encodeSafetensors, decodeSafetensors, type Tensor, type SafeDType } from './tensors/safetensors.js';
export { readSafetensorsFile, writeSafetensorsFile } from './tensors/safetensors-file.js';
export { writeCog, type CogWriteOptions } from './writers/cog-writer.js';
export { NetcdfClassicWriter, withNetcdfClassicWriter } from './writers/netcdf-classic-writer.js';
export { writeGridNetcdf, type GridNetcdfOptions } from './writers/grid-netcdf.js';
export { generateStorms, type SyntheticOptions } from './synthetic/storms.js';
export { SeededRng, mulberry32, type Rng } from './rng.js';
export { writeSyntheticNetcdf } from './synthetic/write-synthetic.js';
export { inspectRaster, formatInspectReport, type InspectReport } from './inspect.js';

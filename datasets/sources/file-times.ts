/**
 * The instants of a file's time steps, from wherever the file keeps them: a CF time coordinate,
 * per-band GeoTIFF metadata (a `valid_time`/`time` item, or GDAL's `NETCDF_DIM_time` with the
 * dataset's `time#units` after a netCDF → GeoTIFF conversion), the file name (a strftime
 * pattern), the TIFF DateTime tag, or a start and step given in the config.
 */
import { basename } from 'node:path';
import { CoordinateError, InvalidOptionError } from '../errors.js';
import type { RasterDataset } from '../formats/types.js';
import { attrString } from '../cf/attributes.js';
import type { AxisInfo } from '../cf/axes.js';
import { compileFilenameTime } from '../cf/filename-time.js';
import { decodeTimesMs } from '../cf/time.js';
import type { SourceSpec } from './source-spec.js';

type Ctx = { file: string; variable: string };

function parseInstant(text: string): number {
  const t = text.trim();
  // 'YYYY:MM:DD HH:MM:SS' is the TIFF DateTime form.
  const tiff = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(t);
  if (tiff) return Date.UTC(+tiff[1], +tiff[2] - 1, +tiff[3], +tiff[4], +tiff[5], +tiff[6]);
  const iso = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t) ? `${t.replace(' ', 'T')}${t.length > 10 ? '' : 'T00:00'}Z` : t;
  return Date.parse(iso);
}

const BAND_TIME_KEYS = ['valid_time', 'time', 'datetime', 'date'];

function bandTimes(ds: RasterDataset, n: number, ctx: Ctx): number[] | undefined {
  const meta = attrString(ds.variables.find((v) => v.name === ctx.variable)?.attributes ?? {}, 'band_metadata');
  if (!meta) return undefined;
  let items: Record<string, string>[];
  try {
    items = JSON.parse(meta);
  } catch {
    return undefined;
  }
  if (!Array.isArray(items) || items.length !== n) return undefined;
  const out: number[] = [];
  for (const item of items) {
    const lower = Object.fromEntries(Object.entries(item ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    const key = BAND_TIME_KEYS.find((k) => k in lower);
    if (key) {
      const ms = parseInstant(lower[key]);
      if (!Number.isFinite(ms)) throw new CoordinateError(`band time '${lower[key]}' is not an ISO-8601 instant`, ctx);
      out.push(ms);
      continue;
    }
    const units = attrString(ds.attributes, 'time#units');
    if ('netcdf_dim_time' in lower && units) {
      out.push(decodeTimesMs([Number(lower.netcdf_dim_time)], units, attrString(ds.attributes, 'time#calendar'), ctx)[0]);
      continue;
    }
    return undefined;
  }
  return out;
}

/** Instants (ms) of the `n` time steps of `ds`; `timeAxis` is the dimension indexing them, if any. */
export async function fileTimes(ds: RasterDataset, spec: SourceSpec, timeAxis: AxisInfo | undefined, n: number, ctx: Ctx): Promise<number[]> {
  if (spec.times) {
    if (spec.files.length > 1) throw new InvalidOptionError('times {start, stepHours} applies to a single file', { ...ctx, expected: 'timePattern for a series of files' });
    const start = parseInstant(spec.times.start);
    if (!Number.isFinite(start) || !(spec.times.stepHours > 0)) {
      throw new InvalidOptionError(`times needs an ISO start and a positive stepHours, got ${JSON.stringify(spec.times)}`, ctx);
    }
    return Array.from({ length: n }, (_, i) => start + i * spec.times!.stepHours * 3_600_000);
  }
  if (timeAxis?.kind === 'time') {
    if (!timeAxis.coord) throw new CoordinateError(`time dimension '${timeAxis.dim}' has no coordinate variable`, ctx);
    const units = attrString(timeAxis.coord.attributes, 'units');
    if (!units) throw new CoordinateError(`time coordinate '${timeAxis.coord.name}' has no units`, { ...ctx, expected: "units like 'hours since 1900-01-01'" });
    const raw = await ds.read(timeAxis.coord.name);
    return decodeTimesMs(Array.from(raw as ArrayLike<number>, Number), units, attrString(timeAxis.coord.attributes, 'calendar'), { file: ctx.file, variable: timeAxis.coord.name });
  }
  const fromBands = ds.format === 'geotiff' ? bandTimes(ds, n, ctx) : undefined;
  if (fromBands) return fromBands;
  if (n === 1 && spec.timePattern) {
    const ms = compileFilenameTime(spec.timePattern).parse(basename(ds.name));
    if (ms === null) throw new CoordinateError(`file name does not match the time pattern '${spec.timePattern}'`, { ...ctx, expected: `a name like '${spec.timePattern}'` });
    return [ms];
  }
  const dt = attrString(ds.attributes, 'DateTime') ?? attrString(ds.attributes, 'TIFFTAG_DATETIME');
  if (n === 1 && dt && Number.isFinite(parseInstant(dt))) return [parseInstant(dt)];
  throw new CoordinateError(n === 1 ? 'the file has no time' : `the file has ${n} bands/steps but no times for them`, {
    ...ctx,
    expected: n === 1 ? "timePattern (e.g. 't2m_%Y%m%d%H.tif') in the source" : 'per-band time metadata, or times: {start, stepHours} in the source',
  });
}

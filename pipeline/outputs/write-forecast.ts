/**
 * Writes one forecast run: per variable a Cloud-Optimized GeoTIFF with one band per lead time
 * (float32, DEFLATE + floating-point predictor, tiled, overviews, geokeys, GDAL_NODATA and band
 * descriptions/metadata GDAL shows), optionally one CF NetCDF with every variable (time = valid
 * time, a lead_time variable, forecast_reference_time), PNG quicklooks (forecast beside the
 * observation when one exists), and `run.json`. Everything goes into a temporary directory that
 * is renamed at the end: an interrupted run leaves no half-written output.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeCog } from '../../datasets/writers/cog-writer.js';
import { writeGridNetcdf } from '../../datasets/writers/grid-netcdf.js';
import { replaceDirectory } from '../../datasets/io/replace-dir.js';
import { tempNameFor } from '../../datasets/tensors/safetensors-file.js';
import type { ChannelInfo, Crs, GeoTransform } from '../../datasets/grid/types.js';
import { renderQuicklook } from './quicklook.js';
import { refuseForeignDir } from './replace-dir.js';

export interface ForecastRun {
  /** Run name (file name prefix). */
  name: string;
  /** Issue time: the last input step (ISO). */
  issueTime: string;
  /** Valid time of each lead (ISO). */
  validTimes: string[];
  /** Lead time of each step in hours. */
  leadHours: number[];
  channels: ChannelInfo[];
  /** (tOut, Co, H, W) forecast values, NaN = no data. */
  values: Float32Array;
  /** (tOut, Co, H, W) observations at the valid times, when known (hindcasts). */
  observed?: Float32Array;
  height: number;
  width: number;
  y: ArrayLike<number>;
  x: ArrayLike<number>;
  geographic: boolean;
  geotransform: GeoTransform;
  crs: Crs;
}

export interface WriteForecastOptions {
  formats: ('geotiff' | 'netcdf' | 'png')[];
  compressionLevel?: number;
  /** Extra content for run.json (model, data, backend, timings, metrics…). */
  summary?: Record<string, unknown>;
}

/** The files of a written run, relative to its directory. */
export interface WrittenForecast {
  dir: string;
  files: { kind: 'geotiff' | 'netcdf' | 'png' | 'json'; variable?: string; file: string }[];
}

const stamp = (iso: string) => iso.replace(/[-:]/g, '').replace(/\.\d+/, '').replace(/Z$/, 'Z');

/** Writes the run into `dir` (replacing it atomically when it exists). */
export async function writeForecast(dir: string, run: ForecastRun, o: WriteForecastOptions): Promise<WrittenForecast> {
  await refuseForeignDir(dir, 'run.json', 'a forecast run directory');
  const tmp = tempNameFor(dir);
  await mkdir(tmp, { recursive: true });
  const files: WrittenForecast['files'] = [];
  const T = run.validTimes.length;
  const Co = run.channels.length;
  const plane = run.height * run.width;
  const slice = (src: Float32Array, c: number) => {
    const out = new Float32Array(T * plane);
    for (let t = 0; t < T; t++) out.set(src.subarray((t * Co + c) * plane, (t * Co + c + 1) * plane), t * plane);
    return out;
  };
  try {
    for (const [c, ch] of run.channels.entries()) {
      const base = `${run.name}_${ch.name}_${stamp(run.issueTime)}`;
      if (o.formats.includes('geotiff')) {
        const file = `${base}.tif`;
        await writeCog(join(tmp, file), {
          width: run.width,
          height: run.height,
          bands: slice(run.values, c),
          geotransform: run.geotransform,
          epsg: run.crs.epsg,
          wkt: run.crs.epsg === undefined ? run.crs.wkt : undefined,
          nodata: NaN,
          level: o.compressionLevel ?? 6,
          bandDescriptions: run.validTimes.map((vt, k) => `${ch.name} valid ${vt} (+${run.leadHours[k]}h)`),
          bandMetadata: run.validTimes.map((vt, k) => ({ VARIABLE: ch.name, VALID_TIME: vt, LEAD_TIME: `PT${run.leadHours[k]}H`, UNITS: ch.units ?? '' })),
          metadata: { FORECAST_REFERENCE_TIME: run.issueTime, VARIABLE: ch.name, UNITS: ch.units ?? '', LONG_NAME: ch.longName ?? ch.name, PRODUCER: 'gridcast' },
        });
        files.push({ kind: 'geotiff', variable: ch.name, file });
      }
      if (o.formats.includes('png')) {
        const file = `${base}.png`;
        const f = slice(run.values, c);
        const obs = run.observed ? slice(run.observed, c) : undefined;
        const rows = run.validTimes.map((vt, k) => {
          const panels = [{ title: `forecast +${run.leadHours[k]}h`, values: f.subarray(k * plane, (k + 1) * plane) }];
          if (obs) panels.push({ title: `observed ${vt.slice(0, 13)}Z`, values: obs.subarray(k * plane, (k + 1) * plane) });
          return panels;
        });
        await writeFile(join(tmp, file), renderQuicklook({
          height: run.height, width: run.width, y: run.y, x: run.x, rows, geographic: run.geographic,
          heading: `${ch.name} forecast from ${run.issueTime}`, units: ch.units,
        }));
        files.push({ kind: 'png', variable: ch.name, file });
      }
    }
    if (o.formats.includes('netcdf')) {
      const file = `${run.name}_${stamp(run.issueTime)}.nc`;
      await writeGridNetcdf(
        { times: run.validTimes, channels: run.channels, values: run.values, y: Float64Array.from(run.y), x: Float64Array.from(run.x), crs: run.crs, geotransform: run.geotransform, geographic: run.geographic },
        join(tmp, file),
        {
          attributes: { title: `gridcast forecast ${run.name}`, forecast_reference_time: run.issueTime, source: 'gridcast' },
          timeVariables: [{ name: 'lead_time', values: run.leadHours, attributes: { units: 'hours', standard_name: 'forecast_period', long_name: 'lead time' } }],
        },
      );
      files.push({ kind: 'netcdf', file });
    }
    files.push({ kind: 'json', file: 'run.json' });
    await writeFile(join(tmp, 'run.json'), JSON.stringify({ name: run.name, issueTime: run.issueTime, validTimes: run.validTimes, leadHours: run.leadHours, channels: run.channels, files, ...o.summary }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1));
    await replaceDirectory(tmp, dir);
    return { dir, files };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The whole chain on files with the quirks of real archives (test/fixtures/archive, written by
 * netCDF4-python): ERA5-like packed int16 temperature at 850 hPa split over two yearly NetCDF-4
 * files, NetCDF-4-classic precipitation with fill values, 0..360 longitudes, descending
 * latitudes — plus a GeoTIFF series (t at 500 hPa, one file per step, times in the names) made
 * from them by gdal_translate. ingest → train → evaluate → predict, then the outputs are checked
 * with the reference tools: `gdalinfo -json` and `gdal_translate -of XYZ` on the GeoTIFFs,
 * netCDF4-python (times decoded) on the NetCDF, the PNG decoded.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type LoadedConfig } from '../../pipeline/config/load-config.js';
import { evaluate } from '../../pipeline/stages/evaluate.js';
import { ingest } from '../../pipeline/stages/ingest.js';
import { predict, type PredictResult } from '../../pipeline/stages/predict.js';
import { train } from '../../pipeline/stages/train.js';
import { debianPython, fixture, run, tempDir } from '../helpers.js';

const tmp = tempDir('gridcast-archive-chain-');
let loaded: LoadedConfig;
let forecast: PredictResult;
const [H, W, T_OUT] = [9, 16, 2];

/** One GeoTIFF per time step of t at 500 hPa (band = step * 3 + 3 in GDAL's NetCDF view). */
function makeGeotiffSeries(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [year, file] of [[2020, 'era5_t_2020.nc'], [2021, 'era5_t_2021.nc']] as const) {
    for (let k = 0; k < 12; k++) {
      const t = new Date(Date.UTC(2020, 0, 1) + ((year - 2020) * 12 + k) * 6 * 3_600_000);
      const stamp = t.toISOString().replace(/[-:T]/g, '').slice(0, 10);
      run('gdal_translate', ['-q', '-b', String(k * 3 + 3), '-unscale', '-ot', 'Float32', '-a_srs', 'EPSG:4326', '-co', 'TILED=YES',
        '-co', 'BLOCKXSIZE=16', '-co', 'BLOCKYSIZE=16', '-co', 'COMPRESS=LZW', `NETCDF:${fixture('archive', file)}:t`, join(dir, `t500_${stamp}.tif`)]);
    }
  }
}

beforeAll(async () => {
  makeGeotiffSeries(join(tmp.path, 'tif'));
  const config = {
    name: 'era5',
    out: 'out',
    seed: 5,
    data: {
      sources: [
        { files: [fixture('archive', 'era5_t_2020.nc'), fixture('archive', 'era5_t_2021.nc')], variable: 't', level: { value: 850 }, name: 't850' },
        { files: fixture('archive', 'era5_tp.nc'), variable: 'tp' },
        { files: 'tif/t500_*.tif', timePattern: 't500_%Y%m%d%H.tif', name: 't500' },
      ],
      grid: { lon: '-180..180' },
      targets: ['t850', 'tp'],
      tIn: 3,
      tOut: T_OUT,
      split: { train: 0.6, val: 0.2, test: 0.2 },
    },
    model: { kind: 'convlstm', hiddenDim: 4, numLayers: 1 },
    train: { epochs: 2, batchSize: 4 },
    evaluate: { thresholds: [{ channel: 'tp', thresholds: [1], windows: [1, 3] }] },
    predict: { formats: ['geotiff', 'netcdf', 'png'] },
  };
  writeFileSync(join(tmp.path, 'config.json'), JSON.stringify(config));
  loaded = validateConfig(config, join(tmp.path, 'config.json'), tmp.path);
  const ing = await ingest(loaded);
  expect(ing.dataset.info.channels.map((c) => c.name)).toEqual(['t850', 'tp', 't500']);
  const tr = await train(loaded, ing.dataset, { log: () => {} });
  expect(tr.history.length).toBe(2);
  const ev = await evaluate(loaded, ing.dataset, tr.best, { log: () => {} });
  expect(ev.summary.map((s) => s.channel)).toEqual(['t850', 'tp']);
  for (const s of ev.summary) expect(Number.isFinite(s.rmse)).toBe(true);
  forecast = await predict(loaded, { hindcast: true, log: () => {} });
});
afterAll(() => tmp.remove());

const gdalinfo = (file: string) => JSON.parse(run('gdalinfo', ['-json', '-mdd', 'all', file]));

describe('chain on real-archive-like files', () => {
  it('writes dataset, checkpoints, evaluation, loss curve and a forecast run', () => {
    const out = join(tmp.path, 'out');
    for (const f of ['dataset/dataset.json', 'checkpoints/best/weights.safetensors', 'checkpoints/last/optimizer.safetensors', 'checkpoints/loss-curve.svg', 'evaluation.json']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(forecast.dir).toBe(join(out, 'forecasts', 'era5_20200106T060000Z'));
    expect(forecast.files.map((f) => f.file).sort()).toEqual([
      'era5_20200106T060000Z.nc', 'era5_t850_20200106T060000Z.png', 'era5_t850_20200106T060000Z.tif',
      'era5_tp_20200106T060000Z.png', 'era5_tp_20200106T060000Z.tif', 'run.json',
    ]);
    for (const f of forecast.files) expect(existsSync(join(forecast.dir, f.file)), f.file).toBe(true);
    expect(forecast.validTimes).toEqual(['2020-01-06T12:00:00Z', '2020-01-06T18:00:00Z']);
    expect(forecast.metrics?.map((m) => m.channel)).toEqual(['t850', 'tp']);
    const summary = JSON.parse(readFileSync(join(forecast.dir, 'run.json'), 'utf8'));
    expect(summary).toMatchObject({ name: 'era5', issueTime: '2020-01-06T06:00:00Z', leadHours: [6, 12] });
  });

  it('GeoTIFFs pass gdalinfo: size, bands, Float32, geotransform, EPSG, NaN nodata, descriptions, DEFLATE + predictor 3, COG', () => {
    const info = gdalinfo(join(forecast.dir, 'era5_t850_20200106T060000Z.tif'));
    expect(info.driverShortName).toBe('GTiff');
    expect(info.size).toEqual([W, H]);
    expect(info.bands.length).toBe(T_OUT);
    // rolled to -180..180, north-up: cell edges at -191.25 (centre -180) and 61.25 (centre 60)
    const gt = info.geoTransform as number[];
    [-191.25, 22.5, 0, 61.25, 0, -2.5].forEach((v, i) => expect(gt[i]).toBeCloseTo(v, 9));
    expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",4326\]\]$/);
    const is = info.metadata.IMAGE_STRUCTURE;
    expect(is).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '3', LAYOUT: 'COG' });
    expect(info.metadata['']).toMatchObject({ FORECAST_REFERENCE_TIME: '2020-01-06T06:00:00Z', VARIABLE: 't850', UNITS: 'K' });
    info.bands.forEach((b: any, k: number) => {
      expect(b.type).toBe('Float32');
      expect(b.noDataValue).toBe('NaN');
      expect(b.description).toBe(`t850 valid ${forecast.validTimes[k]} (+${6 * (k + 1)}h)`);
      expect(b.metadata['']).toMatchObject({ VARIABLE: 't850', VALID_TIME: forecast.validTimes[k], LEAD_TIME: `PT${6 * (k + 1)}H`, UNITS: 'K' });
      for (const [j, ov] of (b.overviews ?? []).entries()) expect(ov.size).toEqual([Math.ceil(W / 2 ** (j + 1)), Math.ceil(H / 2 ** (j + 1))]);
    });
  });

  it('pixel values read back by GDAL equal the NetCDF output read by netCDF4-python (times decoded)', () => {
    const nc = join(forecast.dir, 'era5_20200106T060000Z.nc');
    const py = run(debianPython, ['-c', `
import json, sys, numpy as np, netCDF4
with netCDF4.Dataset(sys.argv[1]) as ds:
    t = ds['time']
    times = [d.strftime('%Y-%m-%dT%H:%M:%SZ') for d in netCDF4.num2date(t[:], t.units, getattr(t, 'calendar', 'standard'))]
    out = {'times': times, 'lat': ds['lat' if 'lat' in ds.variables else 'latitude'][:].tolist(),
           'lead': ds['lead_time'][:].tolist()}
    for v in ('t850', 'tp'):
        a = ds[v][:]
        out[v] = np.ma.filled(a.astype('f8'), np.nan).tolist()
print(json.dumps(out).replace('NaN', 'null'))
`, nc]);
    const ref = JSON.parse(py);
    expect(ref.times).toEqual(forecast.validTimes);
    expect(ref.lead).toEqual([6, 12]);
    expect(ref.lat[0]).toBeCloseTo(60, 6);
    let compared = 0;
    for (const v of ['t850', 'tp']) {
      const tif = join(forecast.dir, `era5_${v}_20200106T060000Z.tif`);
      for (let k = 0; k < T_OUT; k++) {
        const lines = run('gdal_translate', ['-q', '-of', 'XYZ', '-b', String(k + 1), tif, '/vsistdout/']).trim().split('\n');
        expect(lines.length).toBe(H * W);
        lines.forEach((line, q) => {
          const [x, y, z] = line.trim().split(/\s+/).map(Number);
          const [i, j] = [Math.floor(q / W), q % W];
          expect(x).toBeCloseTo(-180 + 22.5 * j, 6);
          expect(y).toBeCloseTo(60 - 2.5 * i, 6);
          const want = ref[v][k][i][j];
          if (want === null) expect(z).toBeNaN();
          else { expect(Math.abs(z - want)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want))); compared++; }
        });
      }
      // and one pixel with gdallocationinfo, by geographic coordinates
      const v0 = Number(run('gdallocationinfo', ['-valonly', '-wgs84', '-b', '2', tif, String(-180 + 22.5 * 3), String(60 - 2.5 * 4)]).trim());
      expect(Math.abs(v0 - ref[v][1][4][3])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(v0)));
    }
    expect(compared).toBeGreaterThan(0.9 * 2 * T_OUT * H * W);
  });

  it('the forecast quicklook PNG decodes with the layout size (2 panels per lead) and real colours', () => {
    const png = PNG.sync.read(readFileSync(join(forecast.dir, 'era5_tp_20200106T060000Z.png')));
    // quicklook.ts layout: 12-px cells (240 / max(H, W) capped at 12), 46 px left margin, 30 px
    // gaps, 70 px colour bar; rows of panel + 14 px title + 40 px, 26 px top margin, 8 px bottom
    const cell = Math.min(12, Math.floor(240 / Math.max(H, W)));
    expect(png.width).toBe(46 + 2 * (W * cell + 30) + 70);
    expect(png.height).toBe(26 + T_OUT * (H * cell + 14 + 30 + 10) + 8);
    const colours = new Set<number>();
    for (let p = 0; p < png.data.length; p += 4) colours.add(png.data.readUInt32BE(p));
    expect(colours.size).toBeGreaterThan(10);
  });

  it('the loss curve SVG parses (xml.etree) with one train and one validation path point per epoch', () => {
    const py = run(debianPython, ['-c', `
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
print(json.dumps({'tag': root.tag, 'width': root.get('width'), 'paths': [p.get('d') for p in root.iter(ns + 'path')],
                  'text': [t.text for t in root.iter(ns + 'text')]}))
`, join(tmp.path, 'out', 'checkpoints', 'loss-curve.svg')]);
    const svg = JSON.parse(py);
    expect(svg.tag).toBe('{http://www.w3.org/2000/svg}svg');
    expect(svg.paths.length).toBe(2);
    for (const d of svg.paths) expect(d.match(/[ML]/g)).toEqual(['M', 'L']);
    expect(svg.text).toContain('epoch');
    expect(svg.text.join(' ')).toMatch(/era5: training loss/);
  });
});

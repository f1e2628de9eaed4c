/**
 * COG writer checked by GDAL, the reference implementation: `gdalinfo -json` for structure and
 * georeferencing, GDAL's ReadRaster for pixel values (full resolution and overviews), and GDAL's
 * own COG validator; then our reader must read the file identically.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { openRaster } from '../../../datasets/formats/registry.js';
import { writeCog, type CogWriteOptions } from '../../../datasets/writers/cog-writer.js';
import { debianPython, run, tempDir } from '../../helpers.js';

const tmp = tempDir('gridcast-cog-');
afterAll(() => tmp.remove());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const gdalinfo = (path: string): Json => JSON.parse(run('gdalinfo', ['-json', path]));

/** Raw float32 values GDAL reads (band-sequential), from the image or one of its overviews. */
function gdalValues(path: string, overview = -1): Float32Array {
  const out = `${path}.${overview}.bin`;
  run(debianPython, ['-c', `
import sys
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.Open(sys.argv[1])
ov = int(sys.argv[3])
with open(sys.argv[2], 'wb') as f:
    for b in range(ds.RasterCount):
        band = ds.GetRasterBand(b + 1)
        if ov >= 0: band = band.GetOverview(ov)
        f.write(band.ReadRaster(buf_type=gdal.GDT_Float32))
`, path, out, String(overview)]);
  const buf = readFileSync(out);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

const validatorAvailable = (() => {
  try {
    run(debianPython, ['-c', 'from osgeo_utils.samples import validate_cloud_optimized_geotiff']);
    return true;
  } catch {
    return false;
  }
})();

function validate(path: string): string {
  return run(debianPython, ['-m', 'osgeo_utils.samples.validate_cloud_optimized_geotiff', '--full-check=yes', path]);
}

function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length, label).toBe(want.length);
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const ok = Number.isNaN(want[i]) ? Number.isNaN(got[i]) : got[i] === want[i];
    if (!ok && bad++ < 3) expect.soft(got[i], `${label}[${i}]`).toBe(want[i]);
  }
  expect(bad, `${label}: mismatching values`).toBe(0);
}

/** Smooth fields plus noise, with a NaN hole: like a forecast over a land mask. */
function field(width: number, height: number, bands: number): Float32Array {
  const a = new Float32Array(width * height * bands);
  let seed = 7;
  for (let b = 0; b < bands; b++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const i = (b * height + y) * width + x;
        a[i] = 270 + 20 * Math.sin(x / 40 + b) * Math.cos(y / 30) + (seed / 2 ** 32 - 0.5);
        if ((x - 100) ** 2 + (y - 80) ** 2 < 400) a[i] = NaN;
      }
    }
  }
  return a;
}

/** Independent nodata-aware 2×2 mean, to check what GDAL reads from our overviews. */
function expectedOverview(src: Float32Array, w: number, h: number, bands: number): { data: Float32Array; w: number; h: number } {
  const w2 = Math.ceil(w / 2);
  const h2 = Math.ceil(h / 2);
  const out = new Float32Array(w2 * h2 * bands);
  for (let b = 0; b < bands; b++) {
    for (let y = 0; y < h2; y++) {
      for (let x = 0; x < w2; x++) {
        const vals: number[] = [];
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
          const yy = 2 * y + dy;
          const xx = 2 * x + dx;
          if (yy < h && xx < w) vals.push(src[(b * h + yy) * w + xx]);
        }
        const ok = vals.filter((v) => !Number.isNaN(v));
        out[(b * h2 + y) * w2 + x] = ok.length ? ok.reduce((s, v) => s + v, 0) / ok.length : NaN;
      }
    }
  }
  return { data: out, w: w2, h: h2 };
}

describe('writeCog, verified by GDAL', () => {
  const W = 601;
  const H = 299;
  const B = 3;
  const values = field(W, H, B);
  const path = join(tmp.path, 'forecast.tif');
  const options: CogWriteOptions = {
    width: W, height: H, bands: values,
    geotransform: [-30, 0.1, 0, 70, 0, -0.1], epsg: 4326, nodata: NaN,
    bandDescriptions: ['t2m +6h', 't2m +12h', 't2m +18h'],
    bandMetadata: [0, 1, 2].map((b) => ({ VALID_TIME: `2024-01-01T${String(6 * (b + 1)).padStart(2, '0')}:00:00Z`, UNITS: 'K' })),
    metadata: { TITLE: 'gridcast forecast <test> & co', MODEL: 'convlstm' },
  };

  it('writes a file gdalinfo describes as we asked', async () => {
    const r = await writeCog(path, options);
    expect(r).toMatchObject({ path, overviews: 2, bigTiff: false });
    const info = gdalinfo(path);
    expect(info.size).toEqual([W, H]);
    expect(info.bands).toHaveLength(B);
    expect(info.geoTransform).toEqual([-30, 0.1, 0, 70, 0, -0.1]);
    expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",4326\]\]$/);
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '3', LAYOUT: 'COG', INTERLEAVE: 'PIXEL' });
    expect(info.metadata['']).toMatchObject({ TITLE: 'gridcast forecast <test> & co', MODEL: 'convlstm' });
    info.bands.forEach((band: Json, b: number) => {
      expect(band.type).toBe('Float32');
      expect(band.block).toEqual([256, 256]);
      expect(band.noDataValue).toBe('NaN');
      expect(band.description).toBe(options.bandDescriptions![b]);
      expect(band.metadata['']).toEqual(options.bandMetadata![b]);
      expect(band.overviews.map((o: Json) => o.size)).toEqual([[301, 150], [151, 75]]);
    });
  });

  it('stores values GDAL reads back exactly, NaN included', () => {
    expectSame(gdalValues(path), values, 'full resolution');
  });

  it('stores overviews as nodata-aware 2x2 means', () => {
    const o1 = expectedOverview(values, W, H, B);
    const got1 = gdalValues(path, 0);
    const o2 = expectedOverview(o1.data, o1.w, o1.h, B);
    const got2 = gdalValues(path, 1);
    for (const [got, want, label] of [[got1, o1.data, 'overview 1'], [got2, o2.data, 'overview 2']] as const) {
      expect(got.length).toBe(want.length);
      let bad = 0;
      for (let i = 0; i < want.length; i++) {
        if (Number.isNaN(want[i]) ? !Number.isNaN(got[i]) : Math.abs(got[i] - want[i]) > 1e-4) bad++;
      }
      expect(bad, label).toBe(0);
    }
  });

  it.skipIf(!validatorAvailable)('passes GDAL’s COG validator (full check of leaders and trailers)', () => {
    expect(validate(path)).toContain('is a valid cloud optimized GeoTIFF');
  });

  it('reads back identically with our own GeoTIFF reader', async () => {
    const ds = await openRaster(path);
    try {
      expect(ds.formatDetail).toBe('GeoTIFF, tiled 256x256, DEFLATE, predictor 3, pixel-interleaved, 2 overviews, COG layout');
      expect(ds.georef).toEqual({ geotransform: [-30, 0.1, 0, 70, 0, -0.1], epsg: 4326 });
      const v = ds.variables.find((x) => x.name === 'band_data')!;
      expect(v.dtype).toBe('float32');
      expect(Number.isNaN((v.attributes._FillValue as number[])[0])).toBe(true);
      expect(JSON.parse(v.attributes.band_descriptions as string)).toEqual(options.bandDescriptions);
      expect(JSON.parse(v.attributes.band_metadata as string)).toEqual(options.bandMetadata);
      expect(ds.attributes.TITLE).toBe(options.metadata!.TITLE);
      expectSame(await ds.read('band_data') as Float32Array, values, 'our reader');
    } finally {
      await ds.close();
    }
  });
});

describe('writeCog variants', () => {
  it('projected CRS, band interleave, no compression, numeric nodata, no overviews', async () => {
    const W = 70;
    const H = 50;
    const values = field(W, H, 2).map((v) => (Number.isNaN(v) ? -9999 : v));
    const path = join(tmp.path, 'utm.tif');
    await writeCog(path, {
      width: W, height: H, bands: values, geotransform: [500000, 1000, 0, 6000000, 0, -1000], epsg: 32633,
      nodata: -9999, compression: 'none', interleave: 'band', overviews: 0, tileSize: 32,
    });
    const info = gdalinfo(path);
    expect(info.coordinateSystem.wkt).toMatch(/ID\["EPSG",32633\]\]$/);
    expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ INTERLEAVE: 'BAND', LAYOUT: 'COG' });
    expect(info.metadata.IMAGE_STRUCTURE.COMPRESSION).toBeUndefined();
    expect(info.bands[0].noDataValue).toBe(-9999);
    expect(info.bands[0].overviews ?? []).toHaveLength(0);
    expectSame(gdalValues(path), values, 'band interleave');
    if (validatorAvailable) expect(validate(path)).toContain('is a valid cloud optimized GeoTIFF');
    const ds = await openRaster(path);
    expectSame(await ds.read('band_data') as Float32Array, values, 'our reader');
    await ds.close();
  });

  it('BigTIFF on request, and a rotated grid through ModelTransformation', async () => {
    const W = 40;
    const H = 30;
    const values = field(W, H, 1);
    const path = join(tmp.path, 'big-rotated.tif');
    const gt = [400000, 100, 20, 5000000, 10, -100];
    const r = await writeCog(path, { width: W, height: H, bands: values, geotransform: gt, epsg: 32633, bigTiff: true, tileSize: 16 });
    expect(r.bigTiff).toBe(true);
    expect([...readFileSync(path).subarray(0, 4)]).toEqual([0x49, 0x49, 43, 0]);
    const info = gdalinfo(path);
    expect(info.geoTransform).toEqual(gt);
    expect(info.metadata.IMAGE_STRUCTURE.LAYOUT).toBe('COG');
    expectSame(gdalValues(path), values, 'bigtiff');
    if (validatorAvailable) expect(validate(path)).toContain('is a valid cloud optimized GeoTIFF');
    const ds = await openRaster(path);
    expect(ds.formatDetail).toMatch(/^GeoTIFF \(BigTIFF\), tiled 16x16/);
    expect(ds.georef!.geotransform).toEqual(gt);
    await ds.close();
  });
});

describe('writeCog without an EPSG code', () => {
  it('writes the WKT as the citation GeoKey, which our reader returns', async () => {
    const path = join(tmp.path, 'wkt.tif');
    const wkt = 'PROJCS["local grid",GEOGCS["WGS 84"],PROJECTION["Stereographic"]]';
    await writeCog(path, { width: 20, height: 10, bands: field(20, 10, 1), wkt, crsKind: 'projected', tileSize: 16 });
    expect(gdalinfo(path).size).toEqual([20, 10]);
    const ds = await openRaster(path);
    expect(ds.georef).toEqual({ geotransform: [0, 1, 0, 0, 0, -1], wkt });
    await ds.close();
  });
});

describe('writeCog on bad options and failures', () => {
  const ok: CogWriteOptions = { width: 4, height: 3, bands: new Float32Array(12) };
  const cases: [string, Partial<CogWriteOptions> | Record<string, unknown>][] = [
    ['width', { width: 0 }],
    ['height', { height: 2.5 }],
    ['bands', { bands: new Float32Array(13) }],
    ['tileSize', { tileSize: 100 }],
    ['level', { level: 12 }],
    ['predictor', { predictor: 2 }],
    ['compression', { compression: 'lzw' }],
    ['nodata', { nodata: 0.1 }],
    ['geotransform', { geotransform: [0, 0, 0, 0, 0, 0] }],
    ['bandDescriptions', { bandDescriptions: ['a', 'b'] }],
    ['overviews', { overviews: -1 }],
  ];
  for (const [field, bad] of cases) {
    it(`rejects a bad ${field} with InvalidOptionError naming it, writing nothing`, async () => {
      const dir = tempDir();
      try {
        const err = await writeCog(join(dir.path, 'x.tif'), { ...ok, ...bad } as CogWriteOptions).catch((e: unknown) => e);
        expect(isGridcastError(err, 'InvalidOption')).toBe(true);
        expect(String(err)).toContain(field);
        expect(readdirSync(dir.path)).toEqual([]);
      } finally {
        dir.remove();
      }
    });
  }

  it('leaves no file behind when a write is aborted half-way', async () => {
    const dir = tempDir();
    try {
      const ac = new AbortController();
      const W = 512;
      const p = writeCog(join(dir.path, 'aborted.tif'), { width: W, height: W, bands: field(W, W, 2), tileSize: 64, concurrency: 1 }, { signal: ac.signal });
      setImmediate(() => ac.abort());
      await expect(p).rejects.toThrow(/abort/i);
      expect(readdirSync(dir.path)).toEqual([]);
    } finally {
      dir.remove();
    }
  });

  it('fails with a GridcastError naming the path when the directory does not exist', async () => {
    const path = join(tmp.path, 'no-such-dir', 'x.tif');
    const err = await writeCog(path, ok).catch((e: unknown) => e);
    expect(isGridcastError(err)).toBe(true);
    expect(String(err)).toContain(path);
    expect(existsSync(join(tmp.path, 'no-such-dir'))).toBe(false);
  });
});

/**
 * GeoTIFF reader against files GDAL wrote (test/fixtures/geotiff/make.sh), compared value by value
 * with what GDAL itself reads from them (the .json next to each .tif).
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { geotiffFormat } from '../../../datasets/formats/geotiff.js';
import { Ifd } from '../../../datasets/formats/geotiff/ifd-reader.js';
import { sampleType } from '../../../datasets/formats/geotiff/image-layout.js';
import { openRaster } from '../../../datasets/formats/registry.js';
import type { RasterDataset } from '../../../datasets/formats/types.js';
import { MemorySource } from '../../../datasets/source/byte-source.js';
import { fixture, tempDir } from '../../helpers.js';

interface GdalInfo {
  width: number; height: number; bands: number; dtype: string;
  geotransform: number[]; epsg: number | null; geographic: boolean | null; nodata: number | 'nan' | null;
  descriptions: string[]; bandMetadata: Record<string, string>[]; scale: number | null; offset: number | null;
  metadata: Record<string, string>; overviews: number; values: (number | null)[][];
}

const gdal = (name: string): GdalInfo => JSON.parse(readFileSync(fixture('geotiff', `${name}.json`), 'utf8'));
const DTYPES: Record<string, string> = { Float32: 'float32', Float64: 'float64', Int16: 'int16', Byte: 'uint8' };

const READABLE = [
  'f32_strip_none', 'f32_tiled_deflate_p3', 'f32_strip_lzw_p3_band', 'f32_tiled_zstd_band', 'f32_cog', 'f32_bigtiff',
  'f32_bigendian_p3', 'f32_nan_nodata', 'i16_tiled_lzw_p2', 'i16_strip_deflate_p2_band', 'i16_bigendian_p2',
  'u8_packbits', 'f64_tiled_deflate_p3', 'f32_pixel_is_point', 'f32_rotated', 'f32_noise_lzw_onestrip',
];

async function withDataset<T>(name: string, fn: (ds: RasterDataset) => Promise<T>): Promise<T> {
  const ds = await openRaster(fixture('geotiff', `${name}.tif`));
  try {
    return await fn(ds);
  } finally {
    await ds.close();
  }
}

function expectSameValues(got: ArrayLike<number>, want: (number | null)[], label: string): void {
  expect(got.length, label).toBe(want.length);
  let bad = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i];
    const ok = w === null ? Number.isNaN(got[i]) : got[i] === w;
    if (!ok && bad++ < 3) expect.soft(got[i], `${label}[${i}]`).toBe(w);
  }
  expect(bad, `${label}: mismatching values`).toBe(0);
}

describe('geotiff reader on GDAL-written files', () => {
  for (const name of READABLE) {
    it(`${name}: structure, georeference and every value match GDAL`, async () => {
      const ref = gdal(name);
      await withDataset(name, async (ds) => {
        expect(ds.format).toBe('geotiff');
        expect(ds.dimensions).toEqual([
          { name: 'band', size: ref.bands }, { name: 'y', size: ref.height }, { name: 'x', size: ref.width },
        ]);
        const v = ds.variables.find((x) => x.name === 'band_data')!;
        expect(v.dims).toEqual(['band', 'y', 'x']);
        expect(v.dtype).toBe(DTYPES[ref.dtype]);
        const gt = ds.georef!.geotransform;
        ref.geotransform.forEach((g, i) => expect(gt[i]).toBeCloseTo(g, 9));
        expect(ds.georef!.epsg ?? null).toBe(ref.epsg);
        if (ref.nodata === 'nan') expect(Number.isNaN((v.attributes._FillValue as number[])[0])).toBe(true);
        else if (ref.nodata !== null) expect(v.attributes._FillValue).toEqual([ref.nodata]);
        else expect(v.attributes._FillValue).toBeUndefined();
        expect(JSON.parse(v.attributes.band_descriptions as string)).toEqual(ref.descriptions);
        expect(JSON.parse(v.attributes.band_metadata as string)).toEqual(ref.bandMetadata);
        if (ref.scale !== null && ref.scale !== 1) expect(v.attributes.scale_factor).toEqual([ref.scale]);
        if (ref.offset !== null && ref.offset !== 0) expect(v.attributes.add_offset).toEqual([ref.offset]);
        for (const [k, val] of Object.entries(ref.metadata)) expect(ds.attributes[k], k).toBe(val);
        const all = await ds.read('band_data');
        const plane = ref.width * ref.height;
        for (let b = 0; b < ref.bands; b++) {
          expectSameValues(Array.from(all.subarray(b * plane, (b + 1) * plane) as ArrayLike<number>, Number), ref.values[b], `band ${b + 1}`);
        }
      });
    });
  }

  it('reads a window of some bands like the same slice of the whole image', async () => {
    for (const name of ['f32_tiled_deflate_p3', 'f32_strip_lzw_p3_band', 'i16_tiled_lzw_p2', 'f32_cog']) {
      const ref = gdal(name);
      await withDataset(name, async (ds) => {
        const [b0, y0, x0, nb, ny, nx] = [1, 5, 7, 2, 13, 25];
        const got = await ds.read('band_data', [b0, y0, x0], [nb, ny, nx]);
        const want: (number | null)[] = [];
        for (let b = b0; b < b0 + nb; b++) {
          for (let y = y0; y < y0 + ny; y++) for (let x = x0; x < x0 + nx; x++) want.push(ref.values[b][y * ref.width + x]);
        }
        expectSameValues(Array.from(got as Float32Array), want, `${name} window`);
      });
    }
  });

  it('agrees with geotiff.js on the little-endian files it reads', async () => {
    const { fromArrayBuffer } = await import('geotiff');
    for (const name of ['f32_tiled_deflate_p3', 'f32_strip_lzw_p3_band', 'i16_tiled_lzw_p2', 'u8_packbits', 'f32_cog', 'f32_bigtiff']) {
      const buf = readFileSync(fixture('geotiff', `${name}.tif`));
      const tiff = await fromArrayBuffer(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      const image = await tiff.getImage();
      const theirs = (await image.readRasters({ interleave: false })) as unknown as ArrayLike<number>[];
      await withDataset(name, async (ds) => {
        const ours = await ds.read('band_data');
        const plane = image.getWidth() * image.getHeight();
        theirs.forEach((band, b) => {
          expectSameValues(Array.from(ours.subarray(b * plane, (b + 1) * plane) as ArrayLike<number>, Number),
            Array.from(band, (v) => (Number.isNaN(v) ? null : v)), `${name} band ${b + 1} vs geotiff.js`);
        });
      });
    }
  });

  it('gives pixel-centre coordinates with CF attributes for geographic and projected CRSs', async () => {
    await withDataset('f32_cog', async (ds) => {
      const x = (await ds.read('x')) as Float64Array;
      const y = (await ds.read('y')) as Float64Array;
      expect(x[0]).toBeCloseTo(-10 + 0.125, 12);
      expect(y[1]).toBeCloseTo(60 - 1.5 * 0.25, 12);
      expect(Array.from((await ds.read('band')) as Int32Array)).toEqual([1, 2, 3]);
      const attrs = (n: string) => ds.variables.find((v) => v.name === n)!.attributes;
      expect(attrs('y')).toMatchObject({ standard_name: 'latitude', units: 'degrees_north' });
      expect(attrs('x')).toMatchObject({ standard_name: 'longitude', units: 'degrees_east' });
      expect(ds.variables.find((v) => v.name === 'y')!.dtype).toBe('float64');
    });
    await withDataset('i16_tiled_lzw_p2', async (ds) => {
      const attrs = (n: string) => ds.variables.find((v) => v.name === n)!.attributes;
      expect(attrs('x')).toMatchObject({ standard_name: 'projection_x_coordinate', units: 'metre' });
      expect(attrs('y')).toMatchObject({ standard_name: 'projection_y_coordinate', units: 'metre' });
    });
  });

  it('describes storage: BigTIFF, tiling, compression, predictor, overviews and COG layout', async () => {
    const detail = async (n: string) => withDataset(n, async (ds) => ds.formatDetail);
    const cog = await detail('f32_cog');
    expect(cog).toMatch(/^GeoTIFF, tiled \d+x\d+, DEFLATE, predictor 3, pixel-interleaved, 2 overviews, COG layout$/);
    expect(await detail('f32_bigtiff')).toMatch(/^GeoTIFF \(BigTIFF\), tiled 16x16, DEFLATE/);
    expect(await detail('f32_strip_lzw_p3_band')).toBe('GeoTIFF, stripped (4 rows per strip), LZW, predictor 3, band-separate');
    expect(await detail('i16_bigendian_p2')).toContain('big-endian');
  });

  it('marks PixelIsPoint files and keeps GDAL’s corner-based geotransform', async () => {
    await withDataset('f32_pixel_is_point', async (ds) => {
      expect(ds.attributes.AREA_OR_POINT).toBe('Point');
      expect(ds.georef!.geotransform).toEqual(gdal('f32_pixel_is_point').geotransform);
    });
  });
});

describe('geotiff reader on bad input', () => {
  it('refuses an unsupported compression (LZMA) naming the file and the codec', async () => {
    await withDataset('f32_lzma', async (ds) => {
      const err = await ds.read('band_data').catch((e: unknown) => e);
      expect(isGridcastError(err, 'UnsupportedFeature')).toBe(true);
      expect(String(err)).toContain('LZMA');
      expect(String(err)).toContain('f32_lzma.tif');
    });
  });

  it('refuses bands of different sample types and odd bit depths', () => {
    const ifd = (bits: number[], formats: number[]) => new Ifd(0, new Map([[258, bits], [339, formats]]));
    const mixed = (() => { try { sampleType(ifd([16, 32], [1, 1]), 2, 'x.tif'); } catch (e) { return e; } })();
    expect(isGridcastError(mixed, 'UnsupportedFeature')).toBe(true);
    expect(String(mixed)).toContain('different sample types');
    const odd = (() => { try { sampleType(ifd([12], [1]), 1, 'x.tif'); } catch (e) { return e; } })();
    expect(isGridcastError(odd, 'UnsupportedFeature')).toBe(true);
    expect(sampleType(ifd([16, 16, 16], [2]), 3, 'x.tif')).toEqual({ dtype: 'int16', bytes: 2 });
  });

  it('refuses JPEG compression on float data (Compression tag patched to 7)', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.path, 'jpeg-float.tif');
      copyFileSync(fixture('geotiff', 'f32_strip_none.tif'), path);
      const bytes = readFileSync(path);
      const ifd = bytes.readUInt32LE(4);
      const n = bytes.readUInt16LE(ifd);
      for (let i = 0; i < n; i++) {
        const p = ifd + 2 + 12 * i;
        if (bytes.readUInt16LE(p) === 259) bytes.writeUInt16LE(7, p + 8);
      }
      writeFileSync(path, bytes);
      const ds = await openRaster(path);
      const err = await ds.read('band_data').catch((e: unknown) => e);
      await ds.close();
      expect(isGridcastError(err, 'UnsupportedFeature')).toBe(true);
      expect(String(err)).toContain('JPEG');
    } finally {
      tmp.remove();
    }
  });

  it('names unknown variables and rejects boxes outside the variable', async () => {
    await withDataset('f32_cog', async (ds) => {
      const e1 = await ds.read('t2m').catch((e: unknown) => e);
      expect(isGridcastError(e1, 'UnknownVariable')).toBe(true);
      expect(String(e1)).toContain('band_data');
      const e2 = await ds.read('band_data', [0, 0, 0], [4, 1, 1]).catch((e: unknown) => e);
      expect(isGridcastError(e2, 'InvalidOption')).toBe(true);
      const e3 = await ds.read('band_data', [0, 0], [1, 1]).catch((e: unknown) => e);
      expect(isGridcastError(e3, 'InvalidOption')).toBe(true);
    });
  });

  it('reports truncated files as TruncatedFileError at open or at read', async () => {
    const bytes = new Uint8Array(readFileSync(fixture('geotiff', 'f32_cog.tif')));
    for (const len of [0, 4, 7, 100, 300, 1000, 3000, bytes.length - 10]) {
      const src = new MemorySource(bytes.slice(0, len), `cut-${len}.tif`);
      const err = await geotiffFormat.open(src).then((ds) => ds.read('band_data')).then(() => null, (e: unknown) => e);
      expect(isGridcastError(err), `length ${len}: ${String(err)}`).toBe(true);
    }
  });

  it('survives a few hundred random corruptions: a value or a GridcastError, never a crash or hang', async () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const files = ['f32_cog', 'f32_strip_lzw_p3_band', 'i16_tiled_lzw_p2', 'f32_bigtiff', 'u8_packbits', 'f32_tiled_zstd_band'];
    const originals = files.map((f) => new Uint8Array(readFileSync(fixture('geotiff', `${f}.tif`))));
    let errors = 0;
    for (let trial = 0; trial < 300; trial++) {
      const k = trial % files.length;
      const bytes = originals[k].slice();
      const flips = 1 + Math.floor(rand() * 6);
      // Bias towards the header where structure lives; every few trials hit anywhere.
      const span = trial % 3 === 0 ? bytes.length : Math.min(bytes.length, 2048);
      for (let i = 0; i < flips; i++) bytes[Math.floor(rand() * span)] = Math.floor(rand() * 256);
      const work = (async () => {
        const ds = await geotiffFormat.open(new MemorySource(bytes, `${files[k]}#${trial}`));
        await ds.read('band_data');
        await ds.read('x');
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), 5000); });
      const outcome = await Promise.race([work.then(() => 'ok', (e: unknown) => e), timeout]);
      clearTimeout(timer);
      expect(outcome, `trial ${trial}`).not.toBe('timeout');
      if (outcome !== 'ok') {
        errors++;
        expect(isGridcastError(outcome), `trial ${trial} (${files[k]}): ${String(outcome)}`).toBe(true);
      }
    }
    expect(errors).toBeGreaterThan(0);
  });
});

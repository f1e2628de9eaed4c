/**
 * The codec addon against node's own codecs: libdeflate's zlib streams inflate (node:zlib) to the
 * bytes we gave, SHA-256 digests equal node:crypto's (one-shot, incremental, chunk + whole in one
 * pass; SHA-NI and portable), and the pure-JS fallback (GRIDCAST_NATIVE_CODECS=0) gives the same
 * digests and COGs GDAL reads to the same values. The native cases are skipped when the addon is
 * not built (`node scripts/build-codecs.mjs`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isGridcastError } from '../../../datasets/errors.js';
import { loadCodecsAddon } from '../../../datasets/native/codecs-addon.js';
import * as codecs from '../../../datasets/native/codecs.js';
import { debianPython, run, tempDir } from '../../helpers.js';

const { addon } = loadCodecsAddon();
const SIZES = [0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 64 * 1024, (1 << 20) + 7];
const nodeSha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const tmp = tempDir('gridcast-codecs-');
afterAll(() => tmp.remove());

/** Smooth fields plus noise: what forecasts look like after the floating-point predictor. */
function smooth(n: number): Uint8Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = 270 + 20 * Math.sin(i / 50) + ((i * 2654435761) % 1000) / 1e4;
  return new Uint8Array(a.buffer);
}

describe('native codecs on this machine', () => {
  // CI machines have a compiler and Debian's libdeflate0 (with GDAL): the fast paths must be live
  // there, so the skips below only ever apply to users' machines without them.
  it('are built and loaded (npm ci builds them where a C++ compiler exists)', () => {
    const status = codecs.nativeCodecsStatus();
    expect(status.deflate).toMatch(/^native libdeflate/);
    expect(status.sha256).toMatch(/^native/);
  });
});

describe.skipIf(!addon)('native DEFLATE (libdeflate)', () => {
  it('is in use', () => {
    expect(codecs.nativeCodecsStatus().deflate).toMatch(/^native libdeflate/);
  });

  it.each([
    ['empty', new Uint8Array(0)],
    ['zeros', new Uint8Array(300_000)],
    ['random', randomBytes(262_144 + 13)],
    ['smooth floats', smooth(65_536 * 3)],
  ])('writes zlib streams node:zlib inflates back exactly (%s)', async (_name, data) => {
    for (const level of [1, 6, 9]) {
      const z = await codecs.fastDeflate(data, level)!;
      expect(z[0] & 0x0f, 'CM = 8 (deflate) in the zlib header').toBe(8);
      expect(Buffer.compare(inflateSync(z), Buffer.from(data.buffer, data.byteOffset, data.byteLength))).toBe(0);
    }
  });

  it('compresses many buffers concurrently on the thread pool', async () => {
    const bufs = Array.from({ length: 16 }, (_, i) => smooth(20_000 + i * 1000));
    const zs = await Promise.all(bufs.map((b) => codecs.fastDeflate(b, 6)!));
    zs.forEach((z, i) => expect(Buffer.compare(inflateSync(z), Buffer.from(bufs[i].buffer))).toBe(0));
  });

  it('declines levels libdeflate-through-zlib semantics do not cover (caller uses node:zlib)', () => {
    expect(codecs.fastDeflate(new Uint8Array(10), 0)).toBeNull();
    expect(codecs.fastDeflate(new Uint8Array(10), 10)).toBeNull();
    expect(codecs.fastDeflate(new Uint8Array(10), 2.5)).toBeNull();
  });

  it('rejects non-byte input with a TypeError, not a crash', () => {
    expect(() => addon!.zlibCompressSync('text' as unknown as Uint8Array, 6)).toThrow(TypeError);
    expect(() => addon!.zlibCompressSync(new Float32Array(4) as unknown as Uint8Array, 6)).toThrow(TypeError);
    expect(() => addon!.zlibCompressSync(new Uint8Array(4), 13)).toThrow(RangeError);
  });
});

describe.skipIf(!addon)('native SHA-256', () => {
  // Collected even when skipped: no addon, no implementations.
  const impls = ['sha-ni', 'portable'].filter((name) => {
    try { return addon?.setSha256Impl(name) === name; } catch { return false; } finally { addon?.setSha256Impl('auto'); }
  });
  afterEach(() => { addon?.setSha256Impl('auto'); });

  it('reports what it uses', () => {
    expect(codecs.nativeCodecsStatus().sha256).toMatch(/^native (sha-ni|portable)|^node:crypto/);
    expect(impls).toContain('portable');
  });

  describe.each(impls)('%s', (impl) => {
    it.each(SIZES)('one-shot digest of %i bytes equals node:crypto (sync and async)', async (n) => {
      addon!.setSha256Impl(impl);
      const b = randomBytes(n);
      expect(addon!.sha256(b)).toBe(nodeSha(b));
      expect(await addon!.sha256Async(b)).toBe(nodeSha(b));
    });

    it.each(SIZES)('incremental digest of %i bytes in uneven pieces equals node:crypto', async (n) => {
      addon!.setSha256Impl(impl);
      const b = randomBytes(n);
      const h = new addon!.Sha256();
      const cuts = [0, Math.floor(n / 7), Math.floor(n / 3), Math.floor(n / 3) + 1, n];
      for (let i = 1; i < cuts.length; i++) {
        const piece = b.subarray(cuts[i - 1], cuts[i]);
        if (i % 2) h.update(piece);
        else await h.updateAsync(piece);
      }
      expect(h.digest()).toBe(nodeSha(b));
    });

    it.each(SIZES)('chunk + whole in one pass (%i bytes), at and off block boundaries', async (n) => {
      addon!.setSha256Impl(impl);
      const head = randomBytes(n % 2 ? 3 : 64); // the whole hash is mid-block or at a boundary
      const b = randomBytes(n);
      const whole = new addon!.Sha256();
      whole.update(head);
      expect(await whole.updateAndDigestAsync(b)).toBe(nodeSha(b));
      expect(whole.updateAndDigest(b)).toBe(nodeSha(b));
      expect(whole.digest()).toBe(nodeSha(Buffer.concat([head, b, b])));
    });

    it('multi-buffer: many messages of random and edge lengths, at unaligned offsets, equal node:crypto (1-4 lanes, sync and async)', async () => {
      addon!.setSha256Impl(impl);
      const lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 65_536 + 3,
        ...Array.from({ length: 12 }, () => Math.floor(Math.random() * 300_000))];
      // Shuffled, so lanes finish at different times and take the next message mid-way.
      lengths.sort(() => Math.random() - 0.5);
      const pool = randomBytes(lengths.reduce((a, n) => a + n + 7, 0));
      let at = 0;
      const messages = lengths.map((n, i) => { const m = pool.subarray(at + (i % 7), at + (i % 7) + n); at += n + 7; return m; });
      const expected = messages.map(nodeSha);
      const hexes = (out: Buffer) => messages.map((_, i) => out.subarray(32 * i, 32 * i + 32).toString('hex'));
      for (const lanes of [1, 2, 3, 4, undefined]) {
        expect(hexes(addon!.sha256Many(messages, lanes))).toEqual(expected);
        expect(hexes(await addon!.sha256ManyAsync(messages, lanes))).toEqual(expected);
      }
      // Copied to destinations in the same pass (unaligned, some without one).
      const dests = messages.map((m, i) => (i % 5 === 4 ? null : Buffer.alloc(m.length + 3).subarray(3)));
      for (const lanes of [1, 2, 3, 4]) {
        for (const d of dests) d?.fill(0xa5);
        expect(hexes(await addon!.sha256ManyAsync(messages, lanes, dests))).toEqual(expected);
        dests.forEach((d, i) => { if (d) expect(Buffer.compare(d, messages[i]), `message ${i} (${messages[i].length} bytes)`).toBe(0); });
        for (const d of dests) d?.fill(0x5a);
        expect(hexes(addon!.sha256Many(messages, lanes, dests))).toEqual(expected);
        dests.forEach((d, i) => { if (d) expect(Buffer.compare(d, messages[i])).toBe(0); });
      }
      expect(addon!.sha256Many([]).length).toBe(0);
      expect(addon!.sha256Many([messages[0]]).toString('hex')).toBe(expected[0]);
    });
  });

  it('multi-buffer: the codecs wrappers agree with node:crypto, and bad arguments are TypeError/RangeError', async () => {
    const messages = [randomBytes(3), randomBytes(70_000), new Uint8Array(0), randomBytes(1 << 20).subarray(5)];
    const expected = Buffer.concat(messages.map((m) => createHash('sha256').update(m).digest()));
    expect(codecs.sha256Many(messages).equals(expected)).toBe(true);
    expect((await codecs.sha256ManyAsync(messages)).equals(expected)).toBe(true);
    expect(() => addon!.sha256Many('x' as unknown as Uint8Array[])).toThrow(TypeError);
    expect(() => addon!.sha256Many([new Float32Array(2)] as unknown as Uint8Array[])).toThrow(TypeError);
    expect(() => addon!.sha256Many(messages, 5)).toThrow(RangeError);
    expect(() => addon!.sha256Many(messages, 0)).toThrow(RangeError);
    expect(() => addon!.sha256Many(messages, 4, [null])).toThrow(RangeError); // one per message
    expect(() => addon!.sha256Many(messages, 4, [Buffer.alloc(2), null, null, null])).toThrow(RangeError); // lengths differ
    const copies = messages.map((m) => Buffer.alloc(m.length));
    expect((await codecs.sha256ManyAsync(messages, undefined, copies)).equals(expected)).toBe(true);
    copies.forEach((c, i) => expect(Buffer.compare(c, messages[i])).toBe(0));
  });

  it('multi-buffer: the default width is the one the addon timed (1-4), or GRIDCAST_SHA256_LANES', () => {
    const lanes = codecs.sha256Lanes();
    expect(Number.isInteger(lanes) && lanes >= 1 && lanes <= 4).toBe(true);
    expect(addon!.sha256Lanes()).toBe(lanes); // measured once, then kept
    const script = "import('./datasets/native/codecs.ts').then((c) => console.log(c.sha256Lanes()))";
    const forced = execFileSync(join('node_modules', '.bin', 'tsx'), ['-e', script], { env: { ...process.env, GRIDCAST_SHA256_LANES: '3' } });
    expect(forced.toString().trim()).toBe('3');
  });

  it('multi-buffer: the caller emptying its array meanwhile does not disturb an async hash', async () => {
    const messages = Array.from({ length: 6 }, () => randomBytes(500_000));
    const expected = Buffer.concat(messages.map((m) => createHash('sha256').update(m).digest()));
    const list = [...messages];
    const pending = addon!.sha256ManyAsync(list);
    list.length = 0;
    expect((await pending).equals(expected)).toBe(true);
  });

  it('hashes views of a SharedArrayBuffer in place', async () => {
    const shared = Buffer.from(new SharedArrayBuffer(200_000));
    randomBytes(200_000).copy(shared);
    const view = shared.subarray(77, 150_077);
    expect(addon!.sha256(view)).toBe(nodeSha(view));
    expect(await addon!.sha256Async(view)).toBe(nodeSha(view));
  });

  it('refuses a second operation while one is running, and use after digest', async () => {
    const h = codecs.sha256Hasher();
    expect(h.native).toBe(codecs.nativeCodecsStatus().sha256.startsWith('native'));
    if (h.native) {
      const big = randomBytes(1 << 20);
      const pending = h.updateAsync(big);
      const e = (() => { try { h.update(big); } catch (x) { return x; } })();
      expect(isGridcastError(e, 'NativeCodec')).toBe(true);
      await pending;
    }
    h.digest();
    expect(() => h.update(new Uint8Array(1))).toThrow(/digest\(\) was already called/);
  });
});

describe('sha256Hasher / sha256Hex (whichever path is active)', () => {
  it.each(SIZES)('agree with node:crypto on %i bytes, one-shot and incremental', async (n) => {
    const b = randomBytes(n);
    expect(codecs.sha256Hex(b)).toBe(nodeSha(b));
    expect(await codecs.sha256HexAsync(b)).toBe(nodeSha(b));
    const h = codecs.sha256Hasher();
    const third = Math.floor(n / 3);
    expect(await h.updateAndDigest(b.subarray(0, third))).toBe(nodeSha(b.subarray(0, third)));
    await h.updateAsync(b.subarray(third, 2 * third));
    h.update(b.subarray(2 * third));
    expect(h.digest()).toBe(nodeSha(b));
  });
});

/** The codecs module (and the COG writer on top) as a fresh import with GRIDCAST_NATIVE_CODECS=0. */
async function fallbackModules() {
  vi.stubEnv('GRIDCAST_NATIVE_CODECS', '0');
  vi.resetModules();
  const c = await import('../../../datasets/native/codecs.js');
  const w = await import('../../../datasets/writers/cog-writer.js');
  return { codecs: c, writeCog: w.writeCog };
}

/** Band-sequential float32 values GDAL reads from `path`. */
function gdalValues(path: string): Float32Array {
  const out = `${path}.bin`;
  run(debianPython, ['-c', `
import sys
from osgeo import gdal
gdal.UseExceptions()
ds = gdal.Open(sys.argv[1])
with open(sys.argv[2], 'wb') as f:
    for b in range(ds.RasterCount):
        f.write(ds.GetRasterBand(b + 1).ReadRaster(buf_type=gdal.GDT_Float32))
`, path, out]);
  const buf = readFileSync(out);
  return new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
}

describe('fallback (GRIDCAST_NATIVE_CODECS=0)', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('uses node:zlib and node:crypto, and says so', async () => {
    const { codecs: c } = await fallbackModules();
    expect(c.nativeCodecsStatus()).toEqual({
      deflate: 'node:zlib (disabled by GRIDCAST_NATIVE_CODECS)', sha256: 'node:crypto (disabled by GRIDCAST_NATIVE_CODECS)',
    });
    expect(c.fastDeflate(new Uint8Array(10), 6)).toBeNull();
    expect(c.sha256Hasher().native).toBe(false);
  });

  it.each(SIZES)('gives the same digests as the active path (%i bytes)', async (n) => {
    const b = randomBytes(n);
    const active = codecs.sha256Hasher();
    const activeChunk = await active.updateAndDigest(b);
    const { codecs: c } = await fallbackModules();
    const h = c.sha256Hasher();
    expect(await h.updateAndDigest(b)).toBe(activeChunk);
    expect(h.digest()).toBe(active.digest());
    expect(c.sha256Hex(b)).toBe(codecs.sha256Hex(b));
    const messages = [b, b.subarray(0, Math.floor(n / 2)), new Uint8Array(0)];
    expect(c.sha256Many(messages).equals(codecs.sha256Many(messages))).toBe(true);
    expect((await c.sha256ManyAsync(messages)).equals(await codecs.sha256ManyAsync(messages))).toBe(true);
    const copies = messages.map((m) => Buffer.alloc(m.length));
    expect(c.sha256Many(messages, undefined, copies).equals(codecs.sha256Many(messages))).toBe(true);
    copies.forEach((x, i) => expect(Buffer.compare(x, messages[i])).toBe(0));
  });

  it('writes COGs that GDAL reads to the same values as the native path', async () => {
    const W = 300;
    const H = 170;
    const B = 2;
    const values = new Float32Array(new Uint8Array(smooth(W * H * B)).buffer);
    values[1234] = NaN;
    const options = {
      width: W, height: H, bands: values, geotransform: [0, 1, 0, 0, 0, -1] as [number, number, number, number, number, number],
      epsg: 4326, nodata: NaN, tileSize: 128, level: 6,
    };
    const { writeCog: plainWrite } = await fallbackModules();
    const plain = join(tmp.path, 'fallback.tif');
    await plainWrite(plain, options);
    vi.unstubAllEnvs();
    vi.resetModules();
    const { writeCog: activeWrite } = await import('../../../datasets/writers/cog-writer.js');
    const active = join(tmp.path, 'active.tif');
    await activeWrite(active, options);
    // libdeflate and zlib choose different (equally valid) streams: proof both paths ran.
    if (addon) expect(readFileSync(active).equals(readFileSync(plain))).toBe(false);
    for (const path of [plain, active]) {
      const info = JSON.parse(run('gdalinfo', ['-json', path]));
      expect(info.metadata.IMAGE_STRUCTURE).toMatchObject({ COMPRESSION: 'DEFLATE', PREDICTOR: '3', LAYOUT: 'COG' });
      const got = gdalValues(path);
      expect(got.length).toBe(values.length);
      let bad = 0;
      for (let i = 0; i < values.length; i++) if (!Object.is(got[i], values[i]) && !(Number.isNaN(got[i]) && Number.isNaN(values[i]))) bad++;
      expect(bad, `${path}: values GDAL reads differently`).toBe(0);
    }
  });
});

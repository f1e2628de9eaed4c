/**
 * Loads the codec addon (`build/Release/gridcast_codecs.node`, built by scripts/build-codecs.mjs
 * at install time). Never throws: when the addon is missing (no compiler at install, another
 * platform) or disabled, it returns `null` with a one-line reason, and codecs.ts falls back to
 * node:zlib and node:crypto.
 *
 * ```ts
 * const { addon, reason } = loadCodecsAddon();
 * if (!addon) console.warn(`native codecs unavailable: ${reason}`);
 * ```
 *
 * Set GRIDCAST_NATIVE_CODECS=0 (or off/false) to skip the addon entirely.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A running SHA-256 inside the addon (src/addon.cc). One operation at a time. */
export interface NativeSha256 {
  update(data: Uint8Array): void;
  updateAsync(data: Uint8Array): Promise<void>;
  /** Adds `data` and returns the SHA-256 hex of `data` alone (both in one pass over the bytes). */
  updateAndDigest(data: Uint8Array): string;
  updateAndDigestAsync(data: Uint8Array): Promise<string>;
  /** Hex digest; the object cannot be used afterwards. */
  digest(): string;
}

/** The addon's functions (src/addon.cc); arguments are validated there (TypeError/RangeError). */
export interface CodecsAddon {
  info(): { deflate: boolean; deflateStatus: string; sha256: 'sha-ni' | 'portable' };
  /** zlib-wrapped DEFLATE at level 1..12 via libdeflate, on the libuv pool. */
  zlibCompress(data: Uint8Array, level: number): Promise<Buffer>;
  zlibCompressSync(data: Uint8Array, level: number): Buffer;
  sha256(data: Uint8Array): string;
  sha256Async(data: Uint8Array): Promise<string>;
  /**
   * The SHA-256 of each message, 32 raw bytes each, concatenated in order; up to `lanes` (1..4,
   * default `sha256Lanes()`) messages hashed interleaved (multi-buffer). With `dests` (one per message, same
   * length, or null), each message is also copied there in the same pass. The async form runs on
   * the libuv pool.
   */
  sha256Many(messages: Uint8Array[], lanes?: number, dests?: (Uint8Array | null)[]): Buffer;
  sha256ManyAsync(messages: Uint8Array[], lanes?: number, dests?: (Uint8Array | null)[]): Promise<Buffer>;
  /**
   * The interleave width `sha256Many` uses by default: the fastest of 1..4 on this CPU for the
   * active implementation, timed once on first use (~2 ms), or GRIDCAST_SHA256_LANES.
   */
  sha256Lanes(): number;
  /** 'auto' | 'sha-ni' | 'portable'; returns the one now active (tests compare both). */
  setSha256Impl(name: string): string;
  Sha256: new () => NativeSha256;
}

/** The addon, or null and why not. */
export interface CodecsLoadResult {
  addon: CodecsAddon | null;
  /** The path it was loaded from, or the reason it is unavailable (one line). */
  reason: string;
  /** Where it was loaded from (for hash threads, which load it themselves). */
  path?: string;
}

let cached: CodecsLoadResult | null = null;

/** True when GRIDCAST_NATIVE_CODECS asks for the pure-JS paths. */
export function nativeCodecsDisabled(): boolean {
  const flag = (process.env.GRIDCAST_NATIVE_CODECS ?? '').toLowerCase();
  return flag === '0' || flag === 'off' || flag === 'false';
}

/** Paths tried in order: next to this source file, then from a compiled copy under dist/. */
function candidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const rel = join('build', 'Release', 'gridcast_codecs.node');
  return [join(here, rel), join(here, '..', '..', '..', 'datasets', 'native', rel)];
}

/** Loads the addon once; later calls return the same result. */
export function loadCodecsAddon(): CodecsLoadResult {
  if (cached) return cached;
  if (nativeCodecsDisabled()) return (cached = { addon: null, reason: 'disabled by GRIDCAST_NATIVE_CODECS' });
  const require = createRequire(import.meta.url);
  let lastError = 'addon not built (run `node scripts/build-codecs.mjs`)';
  for (const path of candidates()) {
    try {
      return (cached = { addon: require(path) as CodecsAddon, reason: `loaded from ${path}`, path });
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND') lastError = `cannot load ${path}: ${String(err.message).split('\n')[0]}`;
    }
  }
  return (cached = { addon: null, reason: lastError });
}

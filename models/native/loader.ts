/**
 * Loads the fused ConvLSTM addon (`build/Release/gridcast_native.node`, built by
 * scripts/build-native.mjs at install time). Never throws: when the addon is missing (no compiler
 * at install, another architecture) or disabled, it returns `null` with a one-line reason that the
 * caller logs once, and gridcast keeps using the composite TensorFlow.js layer.
 *
 * ```ts
 * const { addon, reason } = loadNativeAddon();
 * if (!addon) console.warn(`native ConvLSTM kernels unavailable: ${reason}`);
 * ```
 *
 * Set GRIDCAST_NATIVE=0 (or off/false) to skip the addon entirely.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Opaque handle to the forward pass's saved state (released by `backward` or `release`). */
export type NativeState = { readonly __nativeState: unique symbol };

/** What the addon reports about itself. */
export interface NativeInfo {
  /** Active instruction set: 'avx512' | 'avx2' | 'portable'. */
  isa: string;
  /** Float lanes per vector of the active instruction set. */
  lanes: number;
  /** Threads of the pool (the calling thread included). */
  threads: number;
  /** Instruction sets this CPU can run, fastest first. */
  isas: string[];
  /** Auto mode times layer call shapes under this many multiply-adds per time step (serial or pool). */
  autoMaxMacs: number;
  /** 3x3 convolutions use Winograd F(2x2, 3x3) (else the direct implicit GEMM). */
  winograd: boolean;
}

/** One call shape's serial-or-pool timing in auto mode (`setSerialBelow(-1)`, the default). */
export interface NativeSerialChoice {
  /** 'forward' (gradients recorded), 'inference' or 'backward'. */
  kind: 'forward' | 'inference' | 'backward';
  /** [B, T, Cin, H, W, hidden, kh, kw, hasBias] */
  dims: number[];
  threads: number;
  /** Best time of the trial calls on the pool / on the calling thread (null before the first). */
  poolMs: number | null;
  serialMs: number | null;
  /** The decision: true = serial, false = pool, null = still timing. */
  serial: boolean | null;
}

/** The addon's functions (src/addon.cc). Arrays are written in place; arguments are validated there. */
export interface NativeAddon {
  info(): NativeInfo;
  /** Sets the pool size (0 = default: GRIDCAST_THREADS or every core); returns the new size. */
  setThreads(n: number): number;
  /** Forces an instruction set ('auto' | 'avx512' | 'avx2' | 'portable'); returns the one chosen. */
  setIsa(name: string): string;
  /** 3x3 convolutions by Winograd F(2x2, 3x3) (true) or direct; returns the setting. */
  setWinograd(on: boolean): boolean;
  /**
   * Layer calls under `macs` multiply-adds per time step run on the calling thread, the rest on the
   * pool; -1 = auto (default: small call shapes are timed both ways, then run the faster). Returns it.
   */
  setSerialBelow(macs: number): number;
  /** Auto mode's timings and decisions per call shape so far. */
  serialChoices(): NativeSerialChoice[];
  /** dims = [B, T, Cin, H, W, hidden, kh, kw, hasBias]; returns the saved state when `keep`. */
  forward(
    dims: number[], x: Float32Array, kernel: Float32Array, bias: Float32Array | null, h0: Float32Array,
    c0: Float32Array, outputs: Float32Array, h: Float32Array, c: Float32Array, keep: boolean,
  ): NativeState | null;
  /** BPTT from a saved state (consumed); writes the five gradients (dBias may be null). */
  backward(
    state: NativeState, kernel: Float32Array, dOutputs: Float32Array, dh: Float32Array, dc: Float32Array,
    dx: Float32Array, dKernel: Float32Array, dBias: Float32Array | null, dh0: Float32Array, dc0: Float32Array,
  ): void;
  /** Frees a saved state early (also done by the garbage collector). */
  release(state: NativeState): void;
  /**
   * Frees the cache of released work buffers (kept so that repeated steps of the same shapes do not
   * page-fault fresh memory; bounded to 1.5 GB); returns the bytes freed.
   */
  trimMemory(): number;
  /** Measured fp32 FMA throughput of the active ISA on every pool thread, GFLOP/s. */
  fmaPeak(seconds: number): number;
}

/** The addon, or null and why not. */
export interface NativeLoadResult {
  addon: NativeAddon | null;
  /** 'loaded from <path>' or the reason it is unavailable (one line). */
  reason: string;
}

let cached: NativeLoadResult | null = null;

/** Paths tried in order: next to this source file, then from a compiled copy under dist/. */
function candidates(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const rel = join('build', 'Release', 'gridcast_native.node');
  return [join(here, rel), join(here, '..', '..', '..', 'models', 'native', rel)];
}

/** Loads the addon once; later calls return the same result. */
export function loadNativeAddon(): NativeLoadResult {
  if (cached) return cached;
  const flag = (process.env.GRIDCAST_NATIVE ?? '').toLowerCase();
  if (flag === '0' || flag === 'off' || flag === 'false') {
    cached = { addon: null, reason: 'disabled by GRIDCAST_NATIVE' };
    return cached;
  }
  const require = createRequire(import.meta.url);
  let lastError = 'addon not built (run `node scripts/build-native.mjs`)';
  for (const path of candidates()) {
    try {
      cached = { addon: require(path) as NativeAddon, reason: `loaded from ${path}` };
      return cached;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'MODULE_NOT_FOUND') lastError = `cannot load ${path}: ${String(err.message).split('\n')[0]}`;
    }
  }
  cached = { addon: null, reason: lastError };
  return cached;
}

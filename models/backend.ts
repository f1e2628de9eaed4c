/**
 * Backend selection in one place: `selectBackend('auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu')`.
 *
 *  - tensorflow: `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (libtensorflow). Both are
 *    optional dependencies whose install may have failed (no libtensorflow download); a failed
 *    import falls back to the next choice with one log line saying why.
 *  - native: the fused C++ ConvLSTM kernels (models/native/) on top of the best of wasm/cpu; when
 *    the addon is unavailable, the composite layer runs on that backend and the log says so.
 *  - wasm: @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD) with the training kernels it lacks.
 *  - cpu: pure JS, always available.
 * 'auto' tries tensorflow, then native, then wasm, then cpu.
 *
 * ```ts
 * const sel = await selectBackend('auto');   // logs e.g. "gridcast: backend wasm (tensorflow unavailable: …)"
 * ```
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendError } from './errors.js';
import { ensureCompositeConvLstmImpl } from './convlstm/composite-impl.js';
import { preferConvLstmImpl, selectConvLstmImpl } from './convlstm/layer-impl.js';
import { registerModelGradients } from './gradients.js';
import { registerCpuTrainingKernels } from './cpu-kernels.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/** What the user may ask for. */
export type BackendChoice = 'auto' | 'tensorflow' | 'native' | 'wasm' | 'cpu';
/** Allowed values of BackendChoice. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'];

/** The outcome of selectBackend. */
export interface BackendSelection {
  /** What was asked. */
  requested: BackendChoice;
  /** The TensorFlow.js backend now active ('tensorflow' | 'wasm' | 'cpu'). */
  backend: string;
  /** The ConvLSTM layer implementation that will run ('native' | 'composite'). */
  convLstmImpl: string;
  /** One line: what was chosen and why (also what was skipped). */
  reason: string;
}

/** Options of selectBackend. */
export interface SelectBackendOptions {
  /** Where the one log line goes. Default console.error; pass () => {} to silence. */
  log?: (line: string) => void;
}

/** Hook for the native kernels: returns whether the fused layer is registered, and why not. */
export type NativeLoader = () => Promise<{ ok: boolean; reason: string }>;

let nativeLoader: NativeLoader = async () => {
  try {
    const mod = (await import('./native/convlstm-native.js')) as { nativeAvailable?: () => { ok: boolean; reason: string }; registerNativeConvLstm?: () => boolean };
    const status = mod.nativeAvailable?.() ?? { ok: false, reason: 'models/native has no nativeAvailable()' };
    if (status.ok) mod.registerNativeConvLstm?.();
    return { ok: status.ok, reason: status.reason };
  } catch (e) {
    return { ok: false, reason: `native module failed to load: ${(e as Error).message.split('\n')[0]}` };
  }
};

/** Replaces how the native kernels are loaded (tests, or another addon). */
export function setNativeLoader(loader: NativeLoader): void {
  nativeLoader = loader;
}

/** Directory of the wasm binaries with a trailing slash, for setWasmPaths in Node. */
export function wasmBinaryDir(): string {
  const req = createRequire(import.meta.url);
  const dir = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  return `${dir}/`;
}

async function tryTensorflow(): Promise<string | null> {
  const errors: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (await tf.setBackend('tensorflow')) return null;
      errors.push(`${pkg}: backend 'tensorflow' did not initialise`);
    } catch (e) {
      const err = e as Error & { code?: string };
      const notInstalled = err.code === 'ERR_MODULE_NOT_FOUND' && err.message.includes(pkg);
      errors.push(`${pkg}: ${notInstalled ? 'not installed' : err.message.split('\n')[0]}`);
    }
  }
  return errors.join('; ');
}

let wasmPrepared = false;
async function tryWasm(): Promise<string | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (!wasmPrepared) {
      wasm.setWasmPaths(wasmBinaryDir());
      registerWasmTrainingKernels();
      wasmPrepared = true;
    }
    if (await tf.setBackend('wasm')) return null;
    return 'wasm backend did not initialise';
  } catch (e) {
    return `wasm: ${(e as Error).message.split('\n')[0]}`;
  }
}

async function useCpu(): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  registerCpuTrainingKernels();
  if (!(await tf.setBackend('cpu'))) throw new BackendError('the cpu backend did not initialise');
}

/**
 * Activates a backend and the ConvLSTM implementation that goes with it; logs one line saying what
 * was chosen and why. Never fails for lack of tfjs-node or the native addon: it falls back.
 */
export async function selectBackend(choice: BackendChoice = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  if (!BACKEND_CHOICES.includes(choice)) {
    throw new BackendError(`unknown backend '${String(choice)}'`, { field: 'backend', expected: BACKEND_CHOICES.join(' | ') });
  }
  const log = options.log ?? ((line: string) => console.error(line));
  registerModelGradients();
  ensureCompositeConvLstmImpl();
  const notes: string[] = [];
  let native = false;
  if (choice === 'auto' || choice === 'tensorflow') {
    const why = await tryTensorflow();
    if (why === null) return finish(choice, 'tensorflow', notes, log, false);
    notes.push(`tensorflow unavailable (${why})`);
  }
  if (choice === 'auto' || choice === 'native') {
    const status = await nativeLoader();
    native = status.ok;
    notes.push(status.ok ? `native kernels: ${status.reason}` : `native kernels unavailable (${status.reason})`);
  }
  if (choice !== 'cpu') {
    // The native layer reads tensors synchronously; it runs beside wasm or cpu.
    const why = await tryWasm();
    if (why === null) return finish(choice, 'wasm', notes, log, native);
    notes.push(`wasm unavailable (${why})`);
  }
  await useCpu();
  return finish(choice, 'cpu', notes, log, native);
}

function finish(requested: BackendChoice, backend: string, notes: string[], log: (l: string) => void, native: boolean): BackendSelection {
  preferConvLstmImpl(native ? 'native' : 'composite');
  const impl = selectConvLstmImpl(backend).name;
  const reason = `backend ${backend}, ConvLSTM ${impl} (requested ${requested}${notes.length ? `; ${notes.join('; ')}` : ''})`;
  log(`gridcast: ${reason}`);
  return { requested, backend, convLstmImpl: impl, reason };
}

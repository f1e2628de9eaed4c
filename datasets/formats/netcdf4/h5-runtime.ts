/**
 * One h5wasm (HDF5 compiled to WebAssembly) instance per open file, with HDF5 errors turned into
 * gridcast errors. Used inside the HDF5 worker thread (h5-worker.ts).
 *
 * Why an instance per file rather than the shared `h5wasm/node` module: a corrupt file can make the
 * HDF5 C library trap (out-of-bounds access, `abort()`) or return with its global state half
 * updated (an error unwinding through h5wasm skips its clean-up). With one shared instance that
 * would poison every later open in the process; with one instance per file the damage stays with
 * the file that caused it, whose handle is then marked broken. An instance costs ~20 ms and ~5 MB;
 * only one that never failed and whose heap stayed small is handed on to the next file.
 *
 * h5wasm's Node build uses Emscripten's NODERAWFS, so HDF5 opens real paths directly. HDF5 errors
 * are raised as JS exceptions carrying the HDF5 error stack (h5wasm's "throwing error handler"),
 * instead of being printed to stderr and ignored.
 *
 * ```ts
 * const rt = await H5Runtime.create('/data/era5.nc');
 * const fid = rt.call('open', (m) => m.open('/data/era5.nc', m.H5F_ACC_RDONLY, false, -1, -1));
 * ```
 * HDF5 file format: https://support.hdfgroup.org/documentation/hdf5/latest/_f_m_t3.html
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import type * as h5 from 'h5wasm';
import { CorruptFileError, GridcastError, TruncatedFileError, UnknownFormatError, UnsupportedFeatureError } from '../../errors.js';

/** The Emscripten module with h5wasm's bindings (typed by h5wasm's declarations). */
export type H5Module = typeof h5.Module;
/** h5wasm's description of a datatype and dataspace. */
export type H5Metadata = h5.Metadata;

type Factory = (arg: Record<string, unknown>) => Promise<H5Module>;
let factoryPromise: Promise<Factory> | undefined;

/** Loads the Emscripten module factory behind `h5wasm/node` once (the package exports no such entry). */
function loadFactory(): Promise<Factory> {
  factoryPromise ??= (async () => {
    // The 'h5wasm/node' export is dist/node/hdf5_hl.js; its factory, hdf5_util.js, sits next to it
    // but is not exported, so find the package directory the way Node's resolver would.
    const require = createRequire(import.meta.url);
    const rel = join('h5wasm', 'dist', 'node', 'hdf5_util.js');
    const dir = (require.resolve.paths('h5wasm') ?? []).find((p) => existsSync(join(p, rel)));
    if (!dir) throw new UnsupportedFeatureError('the h5wasm package is not installed', { expected: 'npm install h5wasm' });
    const path = join(dir, rel);
    return compileFactory(path) ?? ((await import(pathToFileURL(path).href)) as { default: Factory }).default;
  })();
  return factoryPromise;
}

/**
 * Evaluates hdf5_util.js as a plain script instead of importing it. Why: ESM loader hooks (tsx,
 * which runs our CLI and benchmarks) rewrite every module containing `import(` and build a
 * high-resolution source map of it — for this 4 MB one-line file that costs ~5 s and ~600 MB on
 * every start. The file is Emscripten's MODULARIZE output: one `async function Module` plus
 * `export default Module`; its only module features are `await import("module")` and
 * `import.meta.url`, supplied here. When the file does not look exactly like that (another h5wasm
 * build) this returns undefined and the normal import is used.
 */
function compileFactory(path: string): Factory | undefined {
  const src = readFileSync(path, 'utf8');
  const EXPORT = 'export default Module;';
  const DYNAMIC = 'await import("module")';
  const count = (s: string): number => src.split(s).length - 1;
  if (!src.trimEnd().endsWith(EXPORT) || count(EXPORT) !== 1 || count(DYNAMIC) !== 1 || count('import(') !== 1 || /^\s*import\s/m.test(src)) return undefined;
  const body = src
    .slice(0, src.lastIndexOf(EXPORT))
    .replace(DYNAMIC, '({ createRequire: __gridcastCreateRequire })')
    .replaceAll('import.meta.url', '__gridcastUrl');
  const wrapper = new Script(`(function (__gridcastCreateRequire, __gridcastUrl) {\n${body}\nreturn Module;\n})`, { filename: path });
  const make = wrapper.runInThisContext() as (cr: typeof createRequire, url: string) => Factory;
  return make(createRequire, pathToFileURL(path).href);
}

/** Instances whose heap grew beyond this are not kept for reuse. */
const REUSE_MAX_HEAP = 64 << 20;

/** A fresh HDF5 instance bound to one file, translating its failures. */
export class H5Runtime {
  /** Set once the wasm instance trapped or aborted: nothing may be called on it again. */
  private brokenBy: string | undefined;

  /** Set once any call failed: HDF5 may hold objects that unwinding left open, so no reuse. */
  private failed = false;

  private constructor(readonly module: H5Module, private file: string) {}

  /**
   * Hands a cleanly closed instance to the next file (saves ~20-50 ms per open); undefined when
   * it ever failed (an error unwinding through h5wasm can leave HDF5 objects open) or its heap
   * grew large (wasm memory never shrinks; a fresh instance lets the big one be collected).
   */
  reuseFor(file: string): H5Runtime | undefined {
    if (this.failed || this.brokenBy || this.module.HEAPU8.length > REUSE_MAX_HEAP) return undefined;
    this.file = file;
    return this;
  }

  /** Creates an instance whose HDF5 errors throw (with the error stack as the message). */
  static async create(file: string): Promise<H5Runtime> {
    const factory = await loadFactory();
    // print/printErr swallow what Emscripten would otherwise write to the terminal.
    const module = await factory({ noInitialRun: true, print: () => {}, printErr: () => {} });
    module.activate_throwing_error_handler();
    return new H5Runtime(module, file);
  }

  /**
   * Runs `fn` on the instance. HDF5 errors become CorruptFileError (or TruncatedFileError /
   * UnknownFormatError / UnsupportedFeatureError by their message); a wasm trap additionally marks
   * the instance broken so later calls fail fast instead of touching corrupted state.
   */
  call<T>(what: string, fn: (m: H5Module) => T, variable?: string): T {
    if (this.brokenBy) {
      throw new CorruptFileError(`HDF5 stopped on an earlier error (${this.brokenBy}); reopen the file`, {
        file: this.file,
        variable,
      });
    }
    try {
      return fn(this.module);
    } catch (e) {
      this.failed = true;
      if (e instanceof GridcastError) throw e;
      const trapped = isTrap(e);
      if (trapped) this.brokenBy = `${what}: ${messageOf(e).split('\n')[0]}`;
      throw translateError(e, what, this.file, variable, trapped);
    }
  }

  /**
   * Closes every file descriptor the instance still holds. HDF5 keeps a file open while any of its
   * objects is (an error unwinding through h5wasm leaves some), and the throwing error handler
   * leaks the tmpfile it formats the message in; one instance per file makes closing them all safe.
   */
  release(): void {
    const fs = this.module.FS as unknown as { streams?: ({ fd: number } | null | undefined)[]; close(stream: unknown): void };
    for (const stream of fs.streams ?? []) {
      if (!stream || stream.fd <= 2) continue; // stdin, stdout, stderr
      try {
        fs.close(stream);
      } catch {
        // already closed underneath; nothing else to release
      }
    }
  }

  /** True once the instance is unusable. */
  get broken(): boolean {
    return this.brokenBy !== undefined;
  }
}

/** A wasm trap (RuntimeError) or Emscripten abort leaves the instance's memory in an unknown state. */
function isTrap(e: unknown): boolean {
  if (e instanceof Error && e.name === 'RuntimeError') return true; // WebAssembly.RuntimeError
  const msg = messageOf(e);
  return /^Aborted\(|RuntimeError|unreachable|memory access out of bounds|Cannot enlarge memory/i.test(msg);
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : String(e);
}

/**
 * The most specific line of an HDF5 error stack ("H5F__super_read(): truncated file: eof = …"),
 * which is the last `#nnn:` entry; the other lines repeat the call chain.
 */
export function hdf5Reason(message: string): string {
  const entries = [...message.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+\(\)): (.*)/g)];
  if (entries.length === 0) return message.split('\n')[0].trim() || 'unknown HDF5 error';
  const last = entries[entries.length - 1];
  return `${last[2].trim()} [${last[1]}]`;
}

/** Maps an exception out of h5wasm to the gridcast error a user can act on. */
export function translateError(e: unknown, what: string, file: string, variable: string | undefined, trapped: boolean): GridcastError {
  const msg = messageOf(e);
  const reason = trapped ? `the HDF5 library faulted (${msg.split('\n')[0]})` : hdf5Reason(msg);
  const ctx = { file, variable, cause: e };
  if (/file signature not found|Not an HDF5 file/i.test(msg)) {
    return new UnknownFormatError(`${what}: not an HDF5 file: ${reason}`, { ...ctx, expected: 'an HDF5 superblock' });
  }
  if (/truncated file|addr overflow|address.*(beyond|past).*(eof|end)|eoa|end of file|read failed/i.test(msg) && /truncat|eof|eoa|end of file/i.test(msg)) {
    return new TruncatedFileError(`${what}: ${reason}`, { ...ctx, expected: 'the whole file as written' });
  }
  if (/filter.*not (registered|available)|can't (find|locate) filter|required filter/i.test(msg)) {
    return new UnsupportedFeatureError(`${what}: ${reason}`, { ...ctx, expected: 'deflate, shuffle, fletcher32, szip, nbit or scaleoffset' });
  }
  return new CorruptFileError(`${what}: ${reason}`, ctx);
}

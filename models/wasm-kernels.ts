/**
 * Kernels the wasm backend lacks but training needs, registered for 'wasm' only when absent:
 *  - Conv2DBackpropFilter (the weight gradient of every conv2d; the 1x1 forecaster head uses it —
 *    the ConvLSTM layer's BPTT computes its weight gradient with it too): im2col written into the wasm
 *    heap already transposed ([K, M]), then one plain BatchMatMul (XNNPACK): dW = im2col(x)^T · dy,
 *    in chunks of images to bound the scratch memory.
 *  - IsNan (masked losses): a plain loop over the heap.
 * And replacements for kernels that exist but are slow where the ConvLSTM needs speed:
 *  - Slice, SplitV, Unpack: tfjs-backend-wasm 4.22's Slice copies the WHOLE input out of the heap
 *    (`readSync` = HEAPU8.slice) on every call, so splitting a tensor in k parts costs k full
 *    copies, and rank > 4 falls back to a per-element JS loop. Ours read the heap through views
 *    and copy the largest contiguous blocks.
 *  - Transpose: row copies / strided gathers in JS; the C++ kernel moves one element at a time.
 *  - Identity: tfjs-backend-wasm copies the whole tensor (malloc + memcpy) on every clone, and the
 *    engine clones every tensor a custom op saves for its gradient (the fused masked loss saves the
 *    prediction and the target: two full copies per training step, ~170 MB at (8,10,4,64,64,64)).
 *    Ours shares the buffer and counts a reference, as the cpu backend's Identity does: tensors are
 *    immutable, and the one in-place writer on wasm (the fused Adam's moments) copies a buffer with
 *    more than one reference first.
 * Verified against the cpu backend's kernels in test/models/wasm-kernels.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Scratch bound of the im2col buffer, in float32 elements. */
const CHUNK_ELEMENTS = 8 * 1024 * 1024;

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Uint8Array | Int32Array;
  disposeData(dataId: unknown): boolean;
}

interface BackpropFilterAttrs {
  strides: number | [number, number];
  pad: 'same' | 'valid' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** How a backend allocates, views and frees float32 tensors (wasm: heap views; cpu: JS arrays). */
interface TensorMemory {
  alloc(shape: number[]): tf.TensorInfo;
  view(t: tf.TensorInfo): Float32Array;
  free(t: tf.TensorInfo): void;
}

/**
 * dW = im2col(x)^T · dy, the im2col built transposed ([K, M]) in JS and the GEMM done by the
 * backend's own BatchMatMul, in chunks of images to bound the scratch memory.
 */
export function conv2DBackpropFilterWith(backendName: string, memoryOf: (backend: unknown) => TensorMemory) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo => conv2DBackpropFilter(args, backendName, memoryOf(args.backend));
}

function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }, backendName: string, mem: TensorMemory): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const a = args.attrs as unknown as BackpropFilterAttrs;
  if (a.dataFormat === 'NCHW') throw new Error(`Conv2DBackpropFilter (${backendName}, gridcast): only NHWC is supported`);
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast');
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, outChannels: O } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW, dilationHeight: DH, dilationWidth: DW } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const K = KH * KW * C;
  const rowsPerImage = OH * OW;
  // im2col of a group of images at a time bounds the scratch memory (~32 MB).
  const imagesPerChunk = Math.max(1, Math.floor(CHUNK_ELEMENTS / (rowsPerImage * K)));
  const matMul = tf.getKernel('BatchMatMul', backendName)!.kernelFunc;
  const xData = () => mem.view(x);
  const acc = new Float32Array(K * O);
  let result: tf.TensorInfo | null = null;
  for (let n0 = 0; n0 < N; n0 += imagesPerChunk) {
    const nImg = Math.min(imagesPerChunk, N - n0);
    const M = nImg * rowsPerImage;
    // Transposed im2col, [K, M]: XNNPACK's plain GEMM is several times faster than transposeA.
    const cols = mem.alloc([1, K, M]);
    const colData = mem.view(cols);
    const src = xData(); // re-read: makeOutput may grow (and move) the wasm heap
    for (let ky = 0; ky < KH; ky++) {
      for (let kx = 0; kx < KW; kx++) {
        for (let c = 0; c < C; c++) {
          let m = ((ky * KW + kx) * C + c) * M;
          for (let n = n0; n < n0 + nImg; n++) {
            for (let oy = 0; oy < OH; oy++) {
              const iy = oy * SH - top + ky * DH;
              if (iy < 0 || iy >= H) { colData.fill(0, m, m + OW); m += OW; continue; }
              const rowBase = (n * H + iy) * W;
              for (let ox = 0; ox < OW; ox++, m++) {
                const ix = ox * SW - left + kx * DW;
                colData[m] = ix < 0 || ix >= W ? 0 : src[(rowBase + ix) * C + c]!;
              }
            }
          }
        }
      }
    }
    // dy rows of this chunk, as a view sharing dy's buffer when the chunk is all of it.
    let dyPart: tf.TensorInfo;
    if (nImg === N) {
      dyPart = { dataId: dy.dataId, shape: [1, M, O], dtype: 'float32' };
    } else {
      dyPart = mem.alloc([1, M, O]);
      const dyAll = mem.view(dy);
      (mem.view(dyPart)).set(dyAll.subarray(n0 * rowsPerImage * O, (n0 + nImg) * rowsPerImage * O));
    }
    const out = matMul({ inputs: { a: cols, b: dyPart }, backend: args.backend as tf.KernelBackend, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo;
    mem.free(cols);
    if (nImg !== N) mem.free(dyPart);
    if (nImg === N) {
      result = out;
      break;
    }
    const part = mem.view(out);
    for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + part[i]!;
    mem.free(out);
  }
  if (!result) {
    result = mem.alloc([K, O]);
    (mem.view(result)).set(acc);
  }
  return { dataId: result.dataId, shape: [...a.filterShape], dtype: 'float32' };
}

function isNan(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const out = backend.makeOutput([...x.shape], 'bool');
  const src = backend.typedArrayFromHeap(x);
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < src.length; i++) dst[i] = Number.isNaN(src[i]) ? 1 : 0;
  return out;
}

/** Copies the slice [begin, begin+size) of `src` (shape `shape`) into `dst`, by contiguous blocks. */
function sliceInto(src: Float32Array | Int32Array | Uint8Array, shape: readonly number[], begin: number[], size: number[], dst: Float32Array | Int32Array | Uint8Array, dstOffset = 0): void {
  const rank = shape.length;
  let k = rank - 1;
  let inner = 1;
  while (k >= 0 && begin[k] === 0 && size[k] === shape[k]) { inner *= shape[k]!; k--; }
  if (k < 0) { dst.set(src.subarray(0, inner), dstOffset); return; }
  const strides = new Array<number>(rank);
  let st = 1;
  for (let a = rank - 1; a >= 0; a--) { strides[a] = st; st *= shape[a]!; }
  const block = size[k]! * inner;
  let outer = 1;
  for (let a = 0; a < k; a++) outer *= size[a]!;
  const idx = new Array<number>(k).fill(0);
  let d = dstOffset;
  for (let o = 0; o < outer; o++) {
    let off = begin[k]! * strides[k]!;
    for (let a = 0; a < k; a++) off += (begin[a]! + idx[a]!) * strides[a]!;
    if (block >= 64) dst.set(src.subarray(off, off + block), d);
    else for (let j = 0; j < block; j++) dst[d + j] = src[off + j]!;
    d += block;
    for (let a = k - 1; a >= 0; a--) { if (++idx[a]! < size[a]!) break; idx[a] = 0; }
  }
}

function sliceKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { begin, size } = args.attrs as { begin: number[]; size: number[] };
  const [b, sz] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
  const out = backend.makeOutput(sz, x.dtype);
  if (sz.every((v) => v > 0)) sliceInto(backend.typedArrayFromHeap(x), x.shape, b, sz, backend.typedArrayFromHeap(out));
  return out;
}

function splitVKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  const outs = sizes.map((s) => {
    const size = [...x.shape];
    size[ax] = s;
    return backend.makeOutput(size, x.dtype);
  });
  outs.forEach((out) => {
    sliceInto(backend.typedArrayFromHeap(x), x.shape, begin, out.shape, backend.typedArrayFromHeap(out));
    begin[ax]! += out.shape[ax]!;
  });
  return outs;
}

function unpackKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { value } = args.inputs as { value: tf.TensorInfo };
  let { axis } = args.attrs as { axis: number };
  if (axis < 0) axis += value.shape.length;
  const outShape = value.shape.filter((_d, i) => i !== axis);
  const size = [...value.shape];
  size[axis] = 1;
  const begin = new Array<number>(value.shape.length).fill(0);
  const outs = Array.from({ length: value.shape[axis]! }, () => backend.makeOutput(outShape, value.dtype));
  outs.forEach((out, i) => {
    begin[axis] = i;
    sliceInto(backend.typedArrayFromHeap(value), value.shape, begin, size, backend.typedArrayFromHeap(out));
  });
  return outs;
}

/**
 * Transpose in JS over heap views: contiguous row copies when the last axis stays last, else a
 * strided gather along the output's last axis. The C++ kernel of tfjs-backend-wasm 4.22 moves one
 * element at a time with index arithmetic and was the top item of the training-step profile.
 */
function makeTransposeKernel(fallback: tf.KernelFunc) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo => {
    const backend = args.backend as WasmBackendLike;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    const rank = x.shape.length;
    if (rank < 2 || x.dtype === 'string') return fallback(args as never) as tf.TensorInfo;
    const outShape = perm.map((p) => x.shape[p]!);
    const out = backend.makeOutput(outShape, x.dtype);
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    if (dst.length === 0) return out;
    const inStrides = new Array<number>(rank);
    let st = 1;
    for (let a = rank - 1; a >= 0; a--) { inStrides[a] = st; st *= x.shape[a]!; }
    const inner = outShape[rank - 1]!;
    const innerStride = inStrides[perm[rank - 1]!]!;
    const outer = outShape.slice(0, rank - 1);
    const strideOf = outer.map((_d, a) => inStrides[perm[a]!]!);
    const idx = new Array<number>(rank - 1).fill(0);
    const rows = dst.length / inner;
    let off = 0;
    for (let r = 0, d = 0; r < rows; r++, d += inner) {
      if (innerStride === 1) for (let j = 0; j < inner; j++) dst[d + j] = src[off + j]!;
      else for (let j = 0, o = off; j < inner; j++, o += innerStride) dst[d + j] = src[o]!;
      for (let a = rank - 2; a >= 0; a--) {
        off += strideOf[a]!;
        if (++idx[a]! < outer[a]!) break;
        off -= strideOf[a]! * outer[a]!;
        idx[a] = 0;
      }
    }
    return out;
  };
}

/** Identity without a copy: the output shares the input's buffer (one more reference to it). */
function identityKernel({ inputs, backend }: { inputs: { x: tf.TensorInfo }; backend: { incRef(dataId: unknown): void } }): tf.TensorInfo {
  const { x } = inputs;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let registered = false;
/**
 * Registers the missing training kernels for 'wasm' (skipping any that exist) and replaces its
 * Slice/SplitV/Unpack with heap-view versions. Idempotent; returns the kernel names it touched.
 */
export function registerWasmTrainingKernels(): string[] {
  // Before @tensorflow/tfjs-backend-wasm is imported there is nothing to patch (and its own
  // registration would later overwrite ours), so wait for it.
  if (registered || !tf.getKernel('Slice', 'wasm')) return [];
  registered = true;
  const touched: string[] = [];
  const add = (kernelName: string, kernelFunc: tf.KernelFunc, replace = false) => {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing) {
      if (!replace) return;
      tf.unregisterKernel(kernelName, 'wasm');
    }
    // Keep the original setupFunc: our Transpose falls back to the C++ kernel it binds.
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: existing?.setupFunc });
    touched.push(kernelName);
  };
  add('Conv2DBackpropFilter', conv2DBackpropFilterWith('wasm', (b) => {
    const wasm = b as WasmBackendLike;
    return { alloc: (shape) => wasm.makeOutput(shape, 'float32'), view: (t) => wasm.typedArrayFromHeap(t) as Float32Array, free: (t) => { wasm.disposeData(t.dataId); } };
  }) as unknown as tf.KernelFunc);
  add('IsNan', isNan as unknown as tf.KernelFunc);
  // String tensors keep the original kernels (their bytes do not live in the heap).
  const numericOnly = (name: string, ours: tf.KernelFunc): tf.KernelFunc => {
    const original = tf.getKernel(name, 'wasm')?.kernelFunc;
    return (args) => {
      const first = Object.values(args.inputs)[0] as tf.TensorInfo;
      return first.dtype === 'string' && original ? original(args) : ours(args);
    };
  };
  add('Slice', numericOnly('Slice', sliceKernel as unknown as tf.KernelFunc), true);
  add('SplitV', numericOnly('SplitV', splitVKernel as unknown as tf.KernelFunc), true);
  add('Unpack', numericOnly('Unpack', unpackKernel as unknown as tf.KernelFunc), true);
  add('Identity', numericOnly('Identity', identityKernel as unknown as tf.KernelFunc), true);
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose) add('Transpose', makeTransposeKernel(transpose.kernelFunc) as unknown as tf.KernelFunc, true);
  return touched;
}

/**
 * Backends: selection and fallback, the wasm kernels we add or replace (checked against the cpu
 * backend's), ConvLSTM gradients on wasm = cpu, and weights moving between backends.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConvLSTM, createModel, maskedMse, selectBackend, setNativeLoader, fromConfigAndWeights } from '../../models/index.js';

const logs: string[] = [];
const log = (l: string) => logs.push(l);

beforeAll(async () => {
  await selectBackend('wasm', { log });
});

/** Runs `f` on a backend and returns plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const list = Array.isArray(out) ? out : [out];
  const arrays = list.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose(list);
  return arrays;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 1e-12;
  for (let i = 0; i < a.length; i++) { num = Math.max(num, Math.abs(a[i]! - b[i]!)); den = Math.max(den, Math.abs(b[i]!)); }
  expect(a.length).toBe(b.length);
  return num / den;
}

describe('selectBackend', () => {
  it('falls back from tensorflow (libtensorflow absent here) with one log line saying why', async () => {
    logs.length = 0;
    const sel = await selectBackend('tensorflow', { log });
    expect(logs.length).toBe(1);
    expect(['tensorflow', 'wasm']).toContain(sel.backend);
    if (sel.backend !== 'tensorflow') expect(logs[0]).toMatch(/tensorflow unavailable/);
    await selectBackend('wasm', { log });
  });

  it('cpu on request; unknown names are a named error', async () => {
    expect((await selectBackend('cpu', { log })).backend).toBe('cpu');
    await expect(selectBackend('gpu' as never, { log })).rejects.toThrow(/unknown backend 'gpu'/);
  });

  it("'native' uses the native layer when the loader reports it, else says why and runs composite", async () => {
    setNativeLoader(async () => ({ ok: false, reason: 'test: no addon' }));
    logs.length = 0;
    const sel = await selectBackend('native', { log });
    expect(sel.convLstmImpl).toBe('composite');
    expect(logs[0]).toMatch(/native kernels unavailable \(test: no addon\)/);
    await selectBackend('wasm', { log });
  });
});

describe('wasm kernels = cpu kernels', () => {
  /** dW by the definition, in plain JS: the independent reference for both backends' kernels. */
  function naiveFilterGrad(x: Float32Array, xs: readonly number[], dy: Float32Array, fs: readonly number[], stride: number, pad: 'same' | 'valid'): Float32Array {
    const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], fs as [number, number, number, number], stride, 1, pad);
    const [N, H, W, C] = xs as [number, number, number, number];
    const [KH, KW, , O] = fs as [number, number, number, number];
    const out = new Float32Array(KH * KW * C * O);
    for (let n = 0; n < N; n++) for (let oy = 0; oy < info.outHeight; oy++) for (let ox = 0; ox < info.outWidth; ox++)
      for (let a = 0; a < KH; a++) for (let b = 0; b < KW; b++) {
        const iy = oy * stride - info.padInfo.top + a;
        const ix = ox * stride - info.padInfo.left + b;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        for (let c = 0; c < C; c++) for (let o = 0; o < O; o++) {
          out[((a * KW + b) * C + c) * O + o]! += x[((n * H + iy) * W + ix) * C + c]! * dy[((n * info.outHeight + oy) * info.outWidth + ox) * O + o]!;
        }
      }
    return out;
  }

  it.each([
    ['3x3 same', [2, 6, 5, 3], [3, 3, 3, 4], 1, 'same'],
    ['1x5 valid stride 2', [1, 7, 9, 2], [1, 5, 2, 3], 2, 'valid'],
    ['1x1 head', [3, 4, 4, 6], [1, 1, 6, 2], 1, 'same'],
    ['5x3 same stride 2, odd sizes', [2, 7, 6, 3], [5, 3, 3, 2], 2, 'same'],
  ] as const)('Conv2DBackpropFilter %s (ours on cpu and wasm = the definition)', async (_n, xs, fs, stride, pad) => {
    const x = tf.tidy(() => tf.randomNormal([...xs], 0, 1, 'float32', 1).dataSync() as Float32Array);
    const f = () => {
      const w = tf.randomNormal([...fs], 0, 1, 'float32', 2) as tf.Tensor4D;
      const xt = tf.tensor(x, [...xs]) as tf.Tensor4D;
      const y = tf.conv2d(xt, w, stride, pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
      const dw = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xt, ww as tf.Tensor4D, stride, pad), dy)))(w);
      return [dw, dy];
    };
    for (const backend of ['cpu', 'wasm'] as const) {
      const [dw, dy] = await on(backend, f);
      expect(relErr(dw!, naiveFilterGrad(x, xs, dy!, fs, stride, pad))).toBeLessThan(1e-5);
    }
  });

  it('Slice, SplitV, Unpack, Transpose and IsNan', async () => {
    const f = () => {
      const x = tf.randomNormal([2, 3, 4, 5, 6], 0, 1, 'float32', 3);
      return [
        tf.slice(x, [1, 0, 1, 2, 0], [1, 3, 2, 3, 6]), tf.slice(x, [0, 1, 0, 0, 2], [2, 2, 4, 5, 3]),
        ...tf.split(x, [1, 3, 2], 4), ...tf.split(x, 3, 1), ...tf.unstack(x, 2),
        tf.transpose(x, [1, 0, 3, 4, 2]), tf.transpose(x, [4, 3, 2, 1, 0]), tf.transpose(x, [0, 2, 1, 3, 4]),
        tf.cast(tf.isNaN(tf.tensor([1, NaN, 0, Infinity])), 'float32'),
      ];
    };
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((a, i) => expect(Array.from(wasm[i]!)).toEqual(Array.from(a)));
  });

  it('ConvLSTM layer gradients on wasm equal the cpu backend to 1e-4', async () => {
    const f = () => {
      const net = new ConvLSTM({ inputDim: 2, hiddenDim: [3, 4], kernelSize: [[3, 3], [1, 3]], numLayers: 2, batchFirst: true, returnAllLayers: true, seed: 9 });
      const x = tf.randomNormal([2, 3, 2, 5, 6], 0, 1, 'float32', 4);
      const { value, grads } = tf.variableGrads(() => {
        const { layerOutputs, lastStates } = net.apply(x);
        return tf.addN([tf.sum(tf.square(layerOutputs[1]!)), tf.sum(layerOutputs[0]!), tf.sum(lastStates[1]![1])]) as tf.Scalar;
      }, net.trainableVariables());
      const out = [value, ...net.trainableVariables().map((v) => grads[v.name]!)];
      net.dispose();
      return out;
    };
    const cpu = await on('cpu', f);
    const wasm = await on('wasm', f);
    cpu.forEach((g, i) => expect(relErr(wasm[i]!, g)).toBeLessThan(1e-4));
  });
});

describe('weights across backends', () => {
  it('a forecaster saved on cpu loads on wasm with the same outputs (and back)', async () => {
    await tf.setBackend('cpu');
    const m = createModel({ kind: 'convlstm-forecaster', inputDim: 2, outputDim: 2, hiddenDim: [4, 3], numLayers: 2, outputLen: 2, head: 'encoder-decoder', returnAllLayers: true, seed: 2 });
    const config = m.getConfig();
    const weights = m.getWeights();
    const xData = tf.tidy(() => tf.randomNormal([2, 3, 2, 6, 5], 0, 1, 'float32', 5).dataSync() as Float32Array);
    const run = (model: typeof m) => model.predict(tf.tensor(xData, [2, 3, 2, 6, 5]) as tf.Tensor5D);
    const [onCpu] = await on('cpu', () => run(m));
    m.dispose();
    await tf.setBackend('wasm');
    const w = fromConfigAndWeights(config, weights);
    const [onWasm] = await on('wasm', () => run(w));
    expect(relErr(onWasm!, onCpu!)).toBeLessThan(1e-5);
    const back = w.getWeights();
    for (const [k, v] of Object.entries(weights)) expect(back[k]!.data).toEqual(v.data);
    // and it trains on wasm
    const opt = tf.train.adam(0.01);
    const y = tf.randomNormal([2, 2, 2, 6, 5]);
    const loss = opt.minimize(() => maskedMse(run(w), y), true, w.trainableVariables())!;
    expect(Number.isFinite(loss.dataSync()[0]!)).toBe(true);
    tf.dispose([loss, y]);
    opt.dispose();
    w.dispose();
  });
});

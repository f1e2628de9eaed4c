/**
 * The pure layout mapping between the seed's PyTorch ConvLSTM state dict and our weights.
 * PyTorch: `cell_list.{i}.conv.weight` [4h, in+h, kh, kw] (OIHW) and `cell_list.{i}.conv.bias` [4h].
 * Ours:    `cells.{i}.kernel` [kh, kw, in+h, 4h] (HWIO) and `cells.{i}.bias` [4h].
 * Channel order (inputs then hidden; gates i, f, o, g) is the same, so only the axes move.
 * Reading the safetensors file is pipeline/'s job; this takes and returns plain arrays.
 *
 * ```ts
 * const config = inferConvLSTMConfigFromTorch(stateDict);          // or your own config
 * const net = ConvLSTM.fromConfigAndWeights(config, convLSTMWeightsFromTorch(stateDict, config));
 * ```
 */
import { InvalidOptionError, MissingWeightError, UnexpectedWeightError, WeightShapeError } from '../errors.js';
import type { NamedWeights, WeightArray } from '../weights.js';
import { resolveConvLSTMOptions, type ConvLSTMConfig, type ConvLSTMOptions } from './convlstm.js';

const MODEL = 'PyTorch ConvLSTM state dict';
const KEY = /^cell_list\.(\d+)\.conv\.(weight|bias)$/;

function transpose4(src: Float32Array, [a, b, c, d]: number[], perm: number[]): Float32Array {
  const dims = [a!, b!, c!, d!];
  const strides = [b! * c! * d!, c! * d!, d!, 1];
  const outDims = perm.map((p) => dims[p]!);
  const outStrides = perm.map((p) => strides[p]!);
  const out = new Float32Array(src.length);
  let k = 0;
  for (let i0 = 0; i0 < outDims[0]!; i0++)
    for (let i1 = 0; i1 < outDims[1]!; i1++)
      for (let i2 = 0; i2 < outDims[2]!; i2++)
        for (let i3 = 0; i3 < outDims[3]!; i3++)
          out[k++] = src[i0 * outStrides[0]! + i1 * outStrides[1]! + i2 * outStrides[2]! + i3 * outStrides[3]!]!;
  return out;
}

/**
 * Reads the architecture from a state dict (layers, hidden sizes, kernels, bias, input channels).
 * `extra` supplies what the weights cannot say (batchFirst, returnAllLayers, seed).
 */
export function inferConvLSTMConfigFromTorch(stateDict: NamedWeights, extra: Partial<ConvLSTMOptions> = {}): ConvLSTMConfig {
  const layers = new Map<number, { weight?: WeightArray; bias?: WeightArray }>();
  for (const [key, w] of Object.entries(stateDict)) {
    const m = KEY.exec(key);
    if (!m) throw new UnexpectedWeightError(`unknown key '${key}'`, { model: MODEL, field: key, expected: "only 'cell_list.{i}.conv.weight' and 'cell_list.{i}.conv.bias'" });
    const entry = layers.get(Number(m[1])) ?? {};
    entry[m[2] as 'weight' | 'bias'] = w;
    layers.set(Number(m[1]), entry);
  }
  const n = layers.size;
  if (n === 0) throw new MissingWeightError('no cell_list.{i}.conv.weight keys', { model: MODEL, field: 'cell_list.0.conv.weight' });
  const hiddenDim: number[] = [];
  const kernelSize: [number, number][] = [];
  let inputDim = 0;
  let bias: boolean | undefined;
  for (let i = 0; i < n; i++) {
    const layer = layers.get(i);
    const w = layer?.weight;
    if (!w) throw new MissingWeightError(`layer ${i} has no conv weight`, { model: MODEL, field: `cell_list.${i}.conv.weight`, expected: `${n} layers numbered 0..${n - 1}` });
    if (w.shape.length !== 4 || w.shape[0]! % 4 !== 0) {
      throw new WeightShapeError(`weight has shape [${w.shape.join(', ')}]`, { model: MODEL, field: `cell_list.${i}.conv.weight`, expected: '[4*hidden, in+hidden, kh, kw]' });
    }
    const hid = w.shape[0]! / 4;
    const inDim = w.shape[1]! - hid;
    if (i === 0) inputDim = inDim;
    else if (inDim !== hiddenDim[i - 1]) {
      throw new WeightShapeError(`layer ${i} takes ${inDim} input channels but layer ${i - 1} has hidden ${hiddenDim[i - 1]}`, { model: MODEL, field: `cell_list.${i}.conv.weight` });
    }
    hiddenDim.push(hid);
    kernelSize.push([w.shape[2]!, w.shape[3]!]);
    const hasBias = layer.bias !== undefined;
    if (bias !== undefined && hasBias !== bias) {
      throw new MissingWeightError('some layers have a bias and others not', { model: MODEL, field: `cell_list.${i}.conv.bias` });
    }
    bias = hasBias;
  }
  if (inputDim < 1) throw new WeightShapeError('layer 0 has no input channels', { model: MODEL, field: 'cell_list.0.conv.weight' });
  return resolveConvLSTMOptions({ ...extra, inputDim, hiddenDim, kernelSize, numLayers: n, bias });
}

/** Expected PyTorch shapes for a config: key → shape. */
export function torchConvLSTMShapes(config: ConvLSTMConfig): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  config.hiddenDim.forEach((hid, i) => {
    const inDim = i === 0 ? config.inputDim : config.hiddenDim[i - 1]!;
    const [kh, kw] = config.kernelSize[i]!;
    shapes.set(`cell_list.${i}.conv.weight`, [4 * hid, inDim + hid, kh, kw]);
    if (config.bias) shapes.set(`cell_list.${i}.conv.bias`, [4 * hid]);
  });
  return shapes;
}

/**
 * Maps a PyTorch state dict to our ConvLSTM weights for `config`. Missing, extra or misshaped keys
 * raise MissingWeightError / UnexpectedWeightError / WeightShapeError naming the key.
 * `prefix` is prepended to our names (e.g. 'encoder.' for a forecaster's encoder).
 */
export function convLSTMWeightsFromTorch(stateDict: NamedWeights, config: ConvLSTMConfig, prefix = ''): NamedWeights {
  const shapes = torchConvLSTMShapes(config);
  for (const key of Object.keys(stateDict)) {
    if (!shapes.has(key)) throw new UnexpectedWeightError(`unexpected key '${key}'`, { model: MODEL, field: key, expected: `only ${[...shapes.keys()].join(', ')}` });
  }
  const out: NamedWeights = {};
  for (const [key, shape] of shapes) {
    const w = stateDict[key];
    if (!w) throw new MissingWeightError(`missing key '${key}'`, { model: MODEL, field: key, expected: `[${shape.join(', ')}]` });
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.shape.length !== shape.length || w.shape.some((s, i) => s !== shape[i]) || w.data.length !== size) {
      throw new WeightShapeError(`'${key}' has shape [${w.shape.join(', ')}]`, { model: MODEL, field: key, expected: `[${shape.join(', ')}]` });
    }
    const i = KEY.exec(key)![1];
    if (key.endsWith('.weight')) {
      out[`${prefix}cells.${i}.kernel`] = { shape: [shape[2]!, shape[3]!, shape[1]!, shape[0]!], data: transpose4(w.data, shape, [2, 3, 1, 0]) };
    } else {
      out[`${prefix}cells.${i}.bias`] = { shape: [...shape], data: Float32Array.from(w.data) };
    }
  }
  return out;
}

/** The inverse mapping: our ConvLSTM weights (names `cells.{i}.*` after `prefix`) → a PyTorch state dict. */
export function convLSTMWeightsToTorch(weights: NamedWeights, config: ConvLSTMConfig, prefix = ''): NamedWeights {
  const out: NamedWeights = {};
  for (const [key, shape] of torchConvLSTMShapes(config)) {
    const i = KEY.exec(key)![1];
    const ours = key.endsWith('.weight') ? `${prefix}cells.${i}.kernel` : `${prefix}cells.${i}.bias`;
    const w = weights[ours];
    if (!w) throw new MissingWeightError(`missing weight '${ours}'`, { model: 'ConvLSTM', field: ours });
    out[key] = key.endsWith('.weight')
      ? { shape, data: transpose4(w.data, w.shape, [3, 2, 0, 1]) }
      : { shape, data: Float32Array.from(w.data) };
  }
  if (!config.hiddenDim.length) throw new InvalidOptionError('config has no layers', { model: 'ConvLSTM', field: 'hiddenDim' });
  return out;
}

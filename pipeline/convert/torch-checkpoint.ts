/**
 * Import of the seed's PyTorch ConvLSTM (`cell_list.{i}.conv.weight` [4h, in+h, kh, kw] and
 * `cell_list.{i}.conv.bias` [4h]) from a safetensors file into a gridcast checkpoint directory
 * (`config.json` + `weights.safetensors`, see checkpoint/checkpoint.ts).
 *
 * What the checkpoint is: a `convlstm-forecaster` with the seed's "slice the last T_out steps,
 * then project" head. Its encoder is PyTorch's ConvLSTM, weight for weight (the pure layout
 * mapping of models/convlstm/torch-mapping.ts), so the encoder's layer outputs and last states
 * equal PyTorch's to float32 rounding. The seed's ConvLSTM has no head, so the head comes from:
 *  - the file, when it holds `head.weight` — a 1x1 `nn.Conv2d(F, C_out, 1)` weight
 *    [C_out, F, 1, 1] or an `nn.Linear(F, C_out)` weight [C_out, F] — and optionally `head.bias`
 *    [C_out] (zeros when absent); F is the last layer's hidden size, or the sum of all layers'
 *    with `returnAllLayers`. The whole forecast then equals PyTorch's
 *    `head(torch.cat(outputs, 2)[:, -T_out:])`;
 *  - otherwise an identity head: output channel k is hidden channel k of the features (0 when
 *    k >= F), bias 0. Such a checkpoint forecasts raw hidden activations: use it to check the
 *    import, to extract features (`model.encoder`), or as the start of fine-tuning.
 * The data section (channels, targets, grid, windows, normalisation) comes from the caller — a
 * dataset made by ingest, or values given on the command line (see data-section.ts).
 * Keys may sit under a common prefix (`convlstm.cell_list.0.conv.weight` from a wrapping module);
 * it is detected or given. Any other key is a CheckpointError listing the keys expected.
 *
 * ```ts
 * await importTorchCheckpoint({ file: 'convlstm.safetensors', out: 'ck', data });
 * const ck = await loadCheckpoint('ck');   // then fromConfigAndWeights(ck.config.model, ck.weights)
 * ```
 */
import { basename } from 'node:path';
import { readSafetensorsFile } from '../../datasets/tensors/safetensors-file.js';
import type { Tensor } from '../../datasets/tensors/safetensors.js';
import { inferConvLSTMConfigFromTorch, convLSTMWeightsFromTorch } from '../../models/convlstm/torch-mapping.js';
import { resolveForecasterOptions, type ConvLSTMForecasterConfig } from '../../models/forecasters/convlstm-forecaster.js';
import { isModelError } from '../../models/errors.js';
import { saveCheckpoint, type CheckpointConfig, type CheckpointData, type NamedArrays } from '../checkpoint/checkpoint.js';
import { CheckpointError } from '../errors.js';

export interface TorchImportOptions {
  /** The PyTorch state dict as a safetensors file. */
  file: string;
  /** Checkpoint directory to write (replaced atomically when it exists). */
  out: string;
  /** The data the checkpoint will be used with. */
  data: CheckpointData;
  /** Prefix in front of `cell_list.` in the file's keys. Default: detected ('' or e.g. 'convlstm.'). */
  prefix?: string;
  /** Name of the optional head module in the file (`<head>.weight`, `<head>.bias`). Default 'head'. */
  headKey?: string;
  /** The head reads every layer's output (concatenated) instead of the last layer's. Default false. */
  returnAllLayers?: boolean;
  /** The head predicts the change from the last input frame. Default false. */
  residual?: boolean;
  /** Seed recorded in the model config (initialisation of nothing imported). Default 0. */
  seed?: number;
}

export interface TorchImportResult {
  dir: string;
  config: CheckpointConfig;
  /** Where the head came from. */
  head: 'file' | 'identity';
  /** The file's keys that were used. */
  keys: string[];
}

const KEY = /^(.*?)cell_list\.(\d+)\.conv\.(weight|bias)$/;

function expectedKeys(prefix: string, head: string): string {
  return `keys '${prefix}cell_list.{i}.conv.weight' [4*hidden, in+hidden, kh, kw] and '${prefix}cell_list.{i}.conv.bias' [4*hidden] for layers i = 0..n-1 (the seed's ConvLSTM state dict), optionally '${head}.weight' [C_out, F, 1, 1] or [C_out, F] and '${head}.bias' [C_out]`;
}

function asFloat32(name: string, t: Tensor, file: string): { shape: number[]; data: Float32Array } {
  if (t.dtype === 'F32') return { shape: t.shape, data: t.data as Float32Array };
  if (t.dtype === 'F64') return { shape: t.shape, data: Float32Array.from(t.data as Float64Array) };
  throw new CheckpointError(`tensor '${name}' is ${t.dtype}`, { file, variable: name, expected: 'F32 or F64 weights (save the state dict in float32)' });
}

/** Converts the file and writes the checkpoint; nothing is written when anything is wrong. */
export async function importTorchCheckpoint(o: TorchImportOptions): Promise<TorchImportResult> {
  const file = o.file;
  const headKey = o.headKey ?? 'head';
  let tensors: Record<string, Tensor>;
  try {
    tensors = (await readSafetensorsFile(file)).tensors;
  } catch (cause) {
    throw new CheckpointError(`cannot read the PyTorch weights: ${(cause as Error).message}`, { file, cause, expected: 'a safetensors file (safetensors.torch.save_file(model.state_dict(), ...))' });
  }
  const names = Object.keys(tensors);
  let prefix = o.prefix;
  if (prefix === undefined) {
    const found = new Set(names.map((k) => KEY.exec(k)?.[1]).filter((p): p is string => p !== undefined));
    if (found.size !== 1) {
      throw new CheckpointError(
        found.size ? `ConvLSTM keys under several prefixes (${[...found].map((p) => `'${p}'`).join(', ')}); choose one with --prefix` : `no ConvLSTM weights among the keys [${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}]`,
        { file, expected: expectedKeys('', headKey) },
      );
    }
    prefix = [...found][0]!;
  }
  const stateDict: NamedArrays = {};
  const headTensors: NamedArrays = {};
  for (const name of names) {
    if (name.startsWith(`${prefix}cell_list.`)) stateDict[name.slice(prefix.length)] = asFloat32(name, tensors[name]!, file);
    else if (name === `${headKey}.weight` || name === `${headKey}.bias`) headTensors[name.slice(headKey.length + 1)] = asFloat32(name, tensors[name]!, file);
    else throw new CheckpointError(`unexpected key '${name}'`, { file, variable: name, expected: expectedKeys(prefix, headKey) });
  }
  if (!Object.keys(stateDict).length) throw new CheckpointError(`no keys start with '${prefix}cell_list.'`, { file, expected: expectedKeys(prefix, headKey) });

  const d = o.data;
  const where = { file, expected: expectedKeys(prefix, headKey) };
  const wrap = (f: () => void) => {
    try { f(); } catch (e) {
      if (isModelError(e)) throw new CheckpointError(e.message, { ...where, cause: e });
      throw e;
    }
  };
  let encoderWeights: NamedArrays = {};
  let model!: ConvLSTMForecasterConfig;
  wrap(() => {
    const enc = inferConvLSTMConfigFromTorch(stateDict);
    if (enc.inputDim !== d.channels.length) {
      throw new CheckpointError(`the PyTorch ConvLSTM takes ${enc.inputDim} input channels but the data has ${d.channels.length} [${d.channels.map((c) => c.name).join(', ')}]`, { file, expected: 'one input channel per data channel, in the same order' });
    }
    if (d.tOut > d.tIn) throw new CheckpointError(`the slice-project head needs tOut <= tIn, got tIn=${d.tIn}, tOut=${d.tOut}`, { file });
    encoderWeights = convLSTMWeightsFromTorch(stateDict, enc, 'encoder.');
    model = resolveForecasterOptions({
      inputDim: enc.inputDim, hiddenDim: enc.hiddenDim, kernelSize: enc.kernelSize, numLayers: enc.numLayers, bias: enc.bias,
      outputDim: d.targetChannels.length, outputLen: d.tOut, head: 'slice-project',
      returnAllLayers: o.returnAllLayers ?? false, residual: o.residual ?? false,
      targetChannels: d.targetChannels.map((t) => d.channels.findIndex((c) => c.name === t)),
      seed: o.seed ?? 0,
    });
  });
  const F = model.returnAllLayers ? model.hiddenDim.reduce((a, b) => a + b, 0) : model.hiddenDim[model.hiddenDim.length - 1]!;
  const O = model.outputDim;
  const head = headTensors.weight ? headFromFile(headTensors, F, O, file, headKey) : identityHead(F, O);
  const config: CheckpointConfig = {
    format: 'gridcast-checkpoint', version: 1, savedAt: new Date().toISOString(),
    model: model as unknown as CheckpointConfig['model'],
    data: d,
    training: { epoch: 0, bestValLoss: Infinity, bestEpoch: 0, sinceBest: 0, learningRate: 0, plateauCount: 0, rngState: 0, history: [], backend: 'pytorch' },
    origin: `pytorch:${basename(file)} (encoder${headTensors.weight ? ' and head' : '; identity head'})`,
  };
  await saveCheckpoint(o.out, { config, weights: { ...encoderWeights, 'head.weight': head.weight, 'head.bias': head.bias } });
  return { dir: o.out, config, head: headTensors.weight ? 'file' : 'identity', keys: names };
}

/** The head from `<head>.weight` ([O, F, 1, 1] or [O, F]) and `<head>.bias` ([O]) → ours: weight [F, O], bias [O]. */
function headFromFile(t: NamedArrays, F: number, O: number, file: string, key: string): { weight: NamedArrays[string]; bias: NamedArrays[string] } {
  const w = t.weight!;
  const ok = (w.shape.length === 4 && w.shape[2] === 1 && w.shape[3] === 1) || w.shape.length === 2;
  if (!ok || w.shape[0] !== O || w.shape[1] !== F) {
    throw new CheckpointError(`'${key}.weight' has shape [${w.shape.join(', ')}]`, { file, variable: `${key}.weight`, expected: `[${O}, ${F}, 1, 1] or [${O}, ${F}] (C_out = ${O} target channels, F = ${F} features)` });
  }
  const weight = new Float32Array(F * O);
  for (let o = 0; o < O; o++) for (let f = 0; f < F; f++) weight[f * O + o] = w.data[o * F + f]!;
  const b = t.bias;
  if (b && (b.shape.length !== 1 || b.shape[0] !== O)) {
    throw new CheckpointError(`'${key}.bias' has shape [${b.shape.join(', ')}]`, { file, variable: `${key}.bias`, expected: `[${O}]` });
  }
  return { weight: { shape: [F, O], data: weight }, bias: { shape: [O], data: b ? Float32Array.from(b.data) : new Float32Array(O) } };
}

/** Output channel k = feature k (0 when k >= F), bias 0. */
function identityHead(F: number, O: number): { weight: NamedArrays[string]; bias: NamedArrays[string] } {
  const weight = new Float32Array(F * O);
  for (let k = 0; k < Math.min(F, O); k++) weight[k * O + k] = 1;
  return { weight: { shape: [F, O], data: weight }, bias: { shape: [O], data: new Float32Array(O) } };
}

/**
 * Weights as named arrays: the backend-neutral form every model exposes (`getWeights`) and is
 * rebuilt from (`setWeights`, `fromConfigAndWeights`). Persisting them (safetensors) is pipeline/'s
 * job; here they are plain `{ shape, data: Float32Array }` so a model saved on one backend loads on
 * any other.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MissingWeightError, UnexpectedWeightError, WeightShapeError } from './errors.js';

/** One weight tensor: its shape and row-major float32 values. */
export interface WeightArray {
  shape: number[];
  data: Float32Array;
}

/** Weights by name ("encoder.cells.0.kernel" → array). */
export type NamedWeights = Record<string, WeightArray>;

/** Copies variables' values out of the backend (the arrays are owned by the caller). */
export function readWeights(vars: ReadonlyMap<string, tf.Variable>): NamedWeights {
  const out: NamedWeights = {};
  for (const [name, v] of vars) out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
  return out;
}

/**
 * Checks `weights` against the expected names and shapes: MissingWeightError, UnexpectedWeightError
 * or WeightShapeError listing every offending name.
 */
export function checkWeights(expected: ReadonlyMap<string, readonly number[]>, weights: NamedWeights, model: string): void {
  const missing = [...expected.keys()].filter((k) => !(k in weights));
  if (missing.length) {
    throw new MissingWeightError(`missing weights ${missing.join(', ')}`, { model, field: missing[0], expected: `${expected.size} tensors: ${[...expected.keys()].join(', ')}` });
  }
  const extra = Object.keys(weights).filter((k) => !expected.has(k));
  if (extra.length) {
    throw new UnexpectedWeightError(`unexpected weights ${extra.join(', ')}`, { model, field: extra[0], expected: `only ${[...expected.keys()].join(', ')}` });
  }
  for (const [name, shape] of expected) {
    const w = weights[name]!;
    const size = shape.reduce((a, b) => a * b, 1);
    if (w.shape.length !== shape.length || w.shape.some((s, i) => s !== shape[i])) {
      throw new WeightShapeError(`weight has shape [${w.shape.join(', ')}]`, { model, field: name, expected: `[${shape.join(', ')}]` });
    }
    if (!(w.data instanceof Float32Array) || w.data.length !== size) {
      throw new WeightShapeError(`weight data holds ${w.data?.length} values for shape [${shape.join(', ')}]`, { model, field: name, expected: `a Float32Array of ${size} values` });
    }
  }
}

/** Validates then assigns `weights` to `vars` (all or nothing). */
export function assignWeights(vars: ReadonlyMap<string, tf.Variable>, weights: NamedWeights, model: string): void {
  checkWeights(new Map([...vars].map(([k, v]) => [k, v.shape])), weights, model);
  for (const [name, v] of vars) {
    const w = weights[name]!;
    tf.tidy(() => v.assign(tf.tensor(w.data, w.shape, 'float32')));
  }
}

/** PyTorch's default Conv2d/Linear init: U(-1/sqrt(fanIn), 1/sqrt(fanIn)), seeded. */
export function uniformInit(shape: number[], fanIn: number, seed: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -bound, bound, 'float32', seed);
}

/** A scoped variable registry: components add variables under a prefix, models list them. */
export class VariableSet {
  readonly vars = new Map<string, tf.Variable>();
  /** Creates (and records) a trainable variable named `name`, disposing `init`. */
  add(name: string, init: tf.Tensor): tf.Variable {
    const v = tf.variable(init, true, `${name}_${nextId++}`);
    init.dispose();
    this.vars.set(name, v);
    return v;
  }
  /** Adds every variable of `other` under `prefix.`. */
  merge(prefix: string, other: VariableSet): void {
    for (const [k, v] of other.vars) this.vars.set(`${prefix}.${k}`, v);
  }
  /** Disposes every variable. */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
let nextId = 0;
